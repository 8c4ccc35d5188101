"""Held-out scores of detector versions: stored with the version, compared per class, tied to the exact dataset."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from detection.training import ClassScore, EvalReport
from traffic.digests import file_sha256


def dataset_digest(data: Path, split: str = "val") -> str:
    """SHA-256 over data.yaml and every file of the split (images and labels), so "the same dataset" is checkable."""
    data = data.resolve()
    spec = yaml.safe_load(data.read_text(encoding="utf-8")) or {}
    root = Path(spec.get("path") or data.parent)
    root = root if root.is_absolute() else (data.parent / root)
    files = [data]
    entry = spec.get(split)
    for folder in ([entry] if isinstance(entry, str) else entry or []):
        images = (root / folder).resolve()
        for base in (images, _labels_of(images)):
            if base is not None and base.is_dir():
                files += sorted(p for p in base.rglob("*") if p.is_file())
    return file_sha256(*files)


def _labels_of(images: Path) -> Path | None:
    """The labels folder YOLO pairs with an images folder: the last `images` part of the path becomes `labels`."""
    parts = list(images.parts)
    if "images" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("images")
    return Path(*parts[:at], "labels", *parts[at + 1:])


def metrics_of(report: EvalReport, data: Path, *, split: str = "val", imgsz: int) -> dict[str, Any]:
    """What a version stores as its metrics: scores overall and per class, and which dataset split they are on."""
    return {
        "dataset": str(data.resolve()),
        "dataset_sha256": dataset_digest(data, split),
        "split": split,
        "imgsz": imgsz,
        "all": vars(report.overall),
        "classes": {score.name: vars(score) for score in report.classes},
    }


def report_of(metrics: dict[str, Any]) -> EvalReport:
    """A stored metrics dict back as an EvalReport (for the side-by-side table)."""
    return EvalReport(ClassScore(**metrics["all"]), tuple(ClassScore(**c) for c in metrics["classes"].values()))


def side_by_side(left: EvalReport, right: EvalReport, left_name: str, right_name: str) -> str:
    """Per class: P, R and mAP50 of both models, and the mAP50 difference (right minus left)."""
    head = f"{'class':<16}{'boxes':>7} | {left_name[:26]:<26} | {right_name[:26]:<26} | {'ΔmAP50':>7}"
    sub = f"{'':<16}{'':>7} | {'P':>8}{'R':>8}{'mAP50':>10} | {'P':>8}{'R':>8}{'mAP50':>10} |"
    rows = [head, sub]
    mine, theirs = left.by_name(), right.by_name()
    names = [left.overall.name] + sorted(set(mine) | set(theirs))
    for name in names:
        a = left.overall if name == left.overall.name else mine.get(name)
        b = right.overall if name == right.overall.name else theirs.get(name)
        boxes = (a or b).instances
        cells = [f"{s.precision:>8.3f}{s.recall:>8.3f}{s.map50:>10.3f}" if s else f"{'-':>26}" for s in (a, b)]
        delta = f"{b.map50 - a.map50:>+7.3f}" if a and b else f"{'-':>7}"
        rows.append(f"{name:<16}{boxes:>7} | {cells[0]} | {cells[1]} | {delta}")
    return "\n".join(rows)
