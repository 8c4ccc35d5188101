"""Builds the starter model, seeded and on the CPU: assemble the training set, fine-tune, score, ship.

    PYTHONPATH=. python -m tools.starter.build --out traffic/demo/starter.pt [--work var/starter_build]

Needs ../shared/data beside the checkout (read only) and nothing from the network: the models are local files,
ultralytics runs with YOLO_OFFLINE=1, amp=False (its AMP check downloads yolo11n.pt) and plots=False (plots fetch
a font). Writes the weights, a class map beside them (the demo folder's, when none is there), and ``<out stem>_build.json``: the
recipe, what went into the training set, the time each step took and the held-out tricycle AP50.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections import Counter
from pathlib import Path

import yaml

os.environ.setdefault("YOLO_OFFLINE", "1")

from detection.training import TrainSettings, train_model  # noqa: E402
from tools.starter.assemble import ASSEMBLY_VERSION, SYNTHETIC_PREFIX, Assembly, assemble, prefix  # noqa: E402
from detection.class_map import ClassMap  # noqa: E402
from tools.starter.classes import COCO_PT, DEMO_DIR, STARTER_CLASSES  # noqa: E402
from tools.starter.head import starter_from_coco, trainer_class  # noqa: E402
from tools.starter.tricycle_ap import tricycle_ap50  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.starter.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="where the weights go (e.g. traffic/demo/starter.pt)")
    parser.add_argument("--work", type=Path, default=Path("var/starter_build"), help="dataset and runs (rebuilt)")
    parser.add_argument("--synthetic", type=int, default=500, help="synthetic scenes in the training set")
    parser.add_argument("--epochs", type=int, default=19)
    parser.add_argument("--imgsz", type=int, default=512)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--close-mosaic", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--freeze", type=int, default=0,
                        help="keep the first N layers (10: the COCO backbone) as they are; cuts the CPU time by "
                             "about three, and costs accuracy")
    parser.add_argument("--start", type=Path, default=None,
                        help="continue from these starter weights (a second stage) instead of the COCO yolov8n")
    parser.add_argument("--autorickshaw-repeat", type=int, default=1,
                        help="list each real auto-rickshaw photo this many times in the training set")
    parser.add_argument("--synthetic-used", type=int, default=None,
                        help="train on only the first N synthetic scenes of the set (default: all of them)")
    parser.add_argument("--hours", type=float, default=0.0,
                        help="wall-clock budget of the training instead of a fixed count (ultralytics fits the "
                             "epochs and the learning-rate schedule into it after each epoch); 0: exactly --epochs")
    return parser.parse_args(argv)


def cached_assembly(out: Path, synthetic: int, seed: int) -> Assembly:
    """The training set for this recipe: reused when the folder holds one built from the same recipe, else built.

    The set is deterministic for a recipe, and rebuilding it runs two teacher models over every real photo.
    """
    recipe = {"synthetic": synthetic, "seed": seed, "version": ASSEMBLY_VERSION}
    stamp = out / "assembly.json"
    if stamp.is_file():
        saved = json.loads(stamp.read_text())
        if saved.get("recipe") == recipe:
            assembly = Assembly(data_yaml=out / "data.yaml", images=Counter(saved["images"]),
                                boxes={k: Counter(v) for k, v in saved["boxes"].items()},
                                dropped_overlaps=saved["pseudo_boxes_dropped_on_tricycles"])
            print(f"reusing the training set in {out} (same recipe)", flush=True)
            return assembly
    assembly = assemble(out, synthetic=synthetic, seed=seed)
    stamp.write_text(json.dumps({"recipe": recipe, **assembly.to_dict()}, indent=2))
    return assembly


def starter_train_settings(args: argparse.Namespace, data_yaml: Path, start: Path, project: Path,
                           name: str) -> TrainSettings:
    """The fine-tuning the build runs (and the ablation repeats on other training sets)."""
    return TrainSettings(
        data=data_yaml, model=start, epochs=args.epochs, imgsz=args.imgsz, batch=args.batch,
        workers=args.workers, seed=args.seed, patience=args.epochs, project=project, name=name,
        options={"trainer": trainer_class(), "close_mosaic": args.close_mosaic, "cache": "ram", "val": False,
                 # one warm-up epoch, not three: the head starts trained, and warm-up's high bias rate would undo it
                 "warmup_epochs": 1, "freeze": args.freeze or None,
                 **({"time": args.hours} if args.hours else {})},
    )


def training_list(data_yaml: Path, autorickshaw_repeat: int, synthetic_used: int | None) -> Path:
    """The set's data.yaml, or one whose training list repeats the real tricycles and keeps fewer synthetic scenes.

    Ultralytics takes a text file of image paths as a split; a path listed twice is seen twice an epoch.
    """
    if autorickshaw_repeat == 1 and synthetic_used is None:
        return data_yaml
    images = sorted((data_yaml.parent / "images" / "train").iterdir())
    synthetic = [image for image in images if image.name.startswith(SYNTHETIC_PREFIX)]
    listed: list[Path] = []
    for image in images:
        if image.name.startswith(prefix("autorickshaw")):
            listed += [image] * autorickshaw_repeat
        elif not image.name.startswith(SYNTHETIC_PREFIX):
            listed.append(image)
    listed += synthetic[:synthetic_used]
    train_list = data_yaml.with_name(f"train_x{autorickshaw_repeat}_s{synthetic_used}.txt")
    train_list.write_text("".join(f"{image}\n" for image in listed))
    data = yaml.safe_load(data_yaml.read_text())
    staged = data_yaml.with_name(f"data_x{autorickshaw_repeat}_s{synthetic_used}.yaml")
    staged.write_text(yaml.safe_dump({**data, "train": str(train_list)}, sort_keys=False, allow_unicode=True))
    return staged


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    work = args.work.resolve()
    timings: dict[str, float] = {}
    started = time.monotonic()
    assembly = cached_assembly(work / "dataset", synthetic=args.synthetic, seed=args.seed)
    timings["assemble_s"] = time.monotonic() - started
    print(json.dumps(assembly.to_dict(), indent=2), flush=True)

    if args.start is not None:
        start_weights = args.start.resolve()
    else:
        start_weights = work / "start_from_coco.pt"
        starter_from_coco(COCO_PT).save(str(start_weights))
    data_yaml = training_list(assembly.data_yaml, args.autorickshaw_repeat, args.synthetic_used)
    settings = starter_train_settings(args, data_yaml, start_weights, work / "runs", "starter")
    result = train_model(settings)
    timings["train_s"] = result.seconds
    # The last epoch, not ultralytics' "best": its pick would be made on the held-out photos scored below.
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(result.last, out)
    # The demo folder's class map names classes 0-5, which the starter keeps with the same names, so one map serves
    # both models; the starter's bus, truck and person are not listed and so ignored.
    class_map = out.parent / "class_map.yaml"
    if not class_map.exists():
        shutil.copyfile(DEMO_DIR / "class_map.yaml", class_map)
    ClassMap.load(class_map, dict(enumerate(STARTER_CLASSES)))
    evaluated = time.monotonic()
    metrics = tricycle_ap50(out, imgsz=args.imgsz)
    timings["evaluate_s"] = time.monotonic() - evaluated
    build = {
        "command": "python -m tools.starter.build " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
        "recipe": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "training_set": assembly.to_dict(),
        "epochs_trained": result.epochs,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "autorickshaw_val": metrics,
    }
    report = out.with_name(f"{out.stem}_build.json")
    report.write_text(json.dumps(build, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(build, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
