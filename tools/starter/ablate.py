"""What each part of the starter's training set adds: the same short fine-tune on the set with one part left out.

    PYTHONPATH=. python -m tools.starter.ablate [--epochs 3] [--variants all no_synthetic ...] [--json FILE]

Each variant starts from the same COCO-carried head (tools/starter/head.py) and trains with the build's settings
(tools/starter/build.py) for ``--epochs`` on a copy of the build's training set (var/starter_build/dataset, built
first when missing) with one part left out, then is scored on what that part is meant to teach:

- tricycle AP50 on the real auto-rickshaw VAL photos (the real three-wheelers);
- precision and recall per class on the synthetic demo clip (the synthetic Chinese vehicles);
- car recall on the Jakarta clip against the yolo11n reference (the distractor pseudo-labels).

The variants are short runs (the shipped model trained 19 epochs), so they compare parts, not final scores.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")

from detection.training import train_model  # noqa: E402
from tools.starter.assemble import SYNTHETIC_PREFIX, prefix  # noqa: E402
from tools.starter.build import cached_assembly, parse as build_arguments, starter_train_settings  # noqa: E402
from tools.starter.classes import CLASS_ID, COCO_PT  # noqa: E402
from tools.starter.evaluate import demo_footage, jakarta_car_recall  # noqa: E402
from tools.starter.head import starter_from_coco  # noqa: E402
from tools.starter.tricycle_ap import tricycle_ap50  # noqa: E402

# What a real photo's own (human) labels are: every other box on it is a teacher's pseudo-label.
HUMAN_LABELS = {prefix("autorickshaw"): CLASS_ID["fuel_tricycle"], prefix("roboflow"): CLASS_ID["plate"]}
# Photos that carry teacher labels only (the CCPD sample cars, the overpass frames).
TEACHER_ONLY = (prefix("ccpd_sample"), prefix("overpass"))

# A variant keeps an image (returns its label lines) or leaves it out (returns None).
Keep = Callable[[str, list[str]], list[str] | None]


def _everything(name: str, lines: list[str]) -> list[str] | None:
    return lines


def _without_synthetic(name: str, lines: list[str]) -> list[str] | None:
    return None if name.startswith(SYNTHETIC_PREFIX) else lines


def _without_real_tricycles(name: str, lines: list[str]) -> list[str] | None:
    return None if name.startswith(prefix("autorickshaw")) else lines


def _without_pseudo_labels(name: str, lines: list[str]) -> list[str] | None:
    if name.startswith(TEACHER_ONLY):
        return None
    for prefix, human in HUMAN_LABELS.items():
        if name.startswith(prefix):
            return [line for line in lines if int(line.split()[0]) == human]
    return lines


VARIANTS: dict[str, Keep] = {
    "all": _everything,
    "no_synthetic": _without_synthetic,
    "no_real_tricycles": _without_real_tricycles,
    "no_pseudo_labels": _without_pseudo_labels,
}


def variant_set(dataset: Path, out: Path, keep: Keep) -> tuple[Path, int]:
    """A training set in ``out`` with the images ``keep`` accepts (linked) and the labels it returns."""
    for part in ("images", "labels"):
        (out / part / "train").mkdir(parents=True, exist_ok=True)
        val = out / part / "val"
        if not val.exists():
            val.symlink_to(dataset / part / "val", target_is_directory=True)
    kept = 0
    for image in sorted((dataset / "images" / "train").iterdir()):
        label = dataset / "labels" / "train" / f"{image.stem}.txt"
        lines = label.read_text().splitlines() if label.exists() else []
        chosen = keep(image.name, lines)
        if chosen is None:
            continue
        link = out / "images" / "train" / image.name
        if not link.exists():
            link.symlink_to(image)
        (out / "labels" / "train" / f"{image.stem}.txt").write_text("".join(line + "\n" for line in chosen))
        kept += 1
    data = (dataset / "data.yaml").read_text().replace(str(dataset), str(out))
    (out / "data.yaml").write_text(data)
    return out / "data.yaml", kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.starter.ablate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--work", type=Path, default=Path("var/starter_build"))
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    build = build_arguments(["--out", "unused", "--work", str(args.work), "--epochs", str(args.epochs)])
    work = args.work.resolve()
    dataset = cached_assembly(work / "dataset", synthetic=build.synthetic, seed=build.seed).data_yaml.parent
    start = work / "start_from_coco.pt"
    starter_from_coco(COCO_PT).save(str(start))
    results = {}
    for name in args.variants:
        data_yaml, images = variant_set(dataset, work / "ablation" / name, VARIANTS[name])
        started = time.monotonic()
        trained = train_model(starter_train_settings(build, data_yaml, start, work / "ablation" / "runs", name))
        seconds = time.monotonic() - started
        weights = trained.last
        demo = demo_footage(weights)
        results[name] = {
            "training_images": images, "epochs": trained.epochs, "train_s": round(seconds),
            "tricycle_ap50": tricycle_ap50(weights, imgsz=build.imgsz)["ap50"],
            "demo_clip": {c: [s["precision"], s["recall"]] for c, s in demo["classes"].items()},
            "demo_duplicates": demo["duplicates"],
            "jakarta_car_recall": jakarta_car_recall(weights)["model_recall"],
        }
        print(json.dumps({name: results[name]}), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    print("| variant | images | tricycle AP50 | demo clip P/R per class | Jakarta car recall |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        # precision is NaN for a class never sighted
        demo = ", ".join(f"{c} {'—' if p != p else f'{p:.2f}'}/{q:.2f}" for c, (p, q) in r["demo_clip"].items())
        print(f"| {name} | {r['training_images']} | {r['tricycle_ap50']:.3f} | {demo} | {r['jakarta_car_recall']:.3f} |")


if __name__ == "__main__":
    main()
