"""Train, evaluate and export YOLO detectors with ultralytics, fully offline.

Every function takes its settings as arguments (no global configuration). Offline means: ``YOLO_OFFLINE=1``
is set before ultralytics is imported (detection/__init__.py: no hub events, no online checks), training runs with ``amp=False`` (the
AMP check would download ``yolo11n.pt``) and ``plots=False`` (plots would fetch Arial.ttf), models are built
from a YAML or loaded from a local file (never from a bare name such as ``yolov8n.pt``, which downloads), and
ONNX export skips onnxslim.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPORT_FORMATS = ("onnx", "openvino", "openvino-int8")


def _yolo(model: str | Path) -> Any:
    """Load a YOLO model from a local YAML or weights file, refusing anything that would be downloaded."""
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path} (give a model YAML or a local weights file)")
    from ultralytics import YOLO

    return YOLO(str(path), task="detect")


@dataclass(frozen=True)
class TrainSettings:
    """One training run. ``model`` is an architecture YAML (train from scratch) or weights (fine-tune)."""

    data: Path
    model: Path
    epochs: int = 30
    imgsz: int = 416
    batch: int = 16
    device: str = "cpu"
    workers: int = 0
    seed: int = 0
    patience: int = 100
    project: Path = Path("runs/train")
    name: str = "model"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    """Where a finished run left its files (``best`` has its optimizer state stripped by ultralytics)."""

    run_dir: Path
    best: Path
    last: Path
    epochs: int
    seconds: float


def train_model(settings: TrainSettings) -> TrainResult:
    """Train a detector and return the run's weights; options override ultralytics defaults."""
    model = _yolo(settings.model)
    arguments: dict[str, Any] = {
        "data": str(Path(settings.data).resolve()),
        "epochs": settings.epochs,
        "imgsz": settings.imgsz,
        "batch": settings.batch,
        "device": settings.device,
        "workers": settings.workers,
        "seed": settings.seed,
        "deterministic": True,
        "patience": settings.patience,
        "project": str(Path(settings.project).resolve()),
        "name": settings.name,
        "exist_ok": True,
        "plots": False,
        "amp": False,
        "verbose": False,
    }
    arguments.update(settings.options)
    started = time.monotonic()
    model.train(**arguments)
    trainer = model.trainer
    run_dir = Path(trainer.save_dir)
    best = run_dir / "weights" / "best.pt"
    last = run_dir / "weights" / "last.pt"
    return TrainResult(run_dir, best if best.exists() else last, last, int(trainer.epoch) + 1,
                       time.monotonic() - started)


@dataclass(frozen=True)
class ClassScore:
    """Validation scores of one class (or of all classes together)."""

    name: str
    images: int
    instances: int
    precision: float
    recall: float
    map50: float
    map50_95: float


@dataclass(frozen=True)
class EvalReport:
    """mAP per class on a dataset split, plus the mean over classes."""

    overall: ClassScore
    classes: tuple[ClassScore, ...]

    def by_name(self) -> dict[str, ClassScore]:
        """Scores keyed by class name."""
        return {score.name: score for score in self.classes}

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"all": vars(self.overall), "classes": [vars(score) for score in self.classes]}


def evaluate_model(weights: Path, data: Path, imgsz: int = 416, split: str = "val", device: str = "cpu",
                   batch: int = 16, conf: float = 0.001, iou: float = 0.7, quiet: bool = False) -> EvalReport:
    """Validate ``weights`` on ``data`` (a YOLO dataset YAML) and return precision, recall and mAP per class.

    ``quiet`` silences ultralytics' progress log (it writes to stdout), e.g. when stdout carries JSON.
    """
    model = _yolo(weights)
    logger = logging.getLogger("ultralytics")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        metrics = model.val(data=str(Path(data).resolve()), imgsz=imgsz, split=split, device=device, batch=batch,
                            conf=conf, iou=iou, plots=False, verbose=False, workers=0, save_json=False)
    finally:
        logger.setLevel(level)
    names = metrics.names
    classes = []
    for i, class_index in enumerate(metrics.ap_class_index):
        precision, recall, map50, map50_95 = metrics.class_result(i)
        classes.append(ClassScore(
            name=names[int(class_index)],
            images=int(metrics.nt_per_image[class_index]),
            instances=int(metrics.nt_per_class[class_index]),
            precision=float(precision),
            recall=float(recall),
            map50=float(map50),
            map50_95=float(map50_95),
        ))
    precision, recall, map50, map50_95 = (float(v) for v in metrics.mean_results())
    overall = ClassScore("all", _split_image_count(Path(data).resolve(), split),
                         int(metrics.nt_per_class.sum()), precision, recall, map50, map50_95)
    return EvalReport(overall, tuple(classes))


def _split_image_count(data: Path, split: str) -> int:
    """Number of images in a dataset split, the way ultralytics resolves the YAML's paths."""
    from ultralytics.data.utils import IMG_FORMATS, check_det_dataset

    sources = check_det_dataset(str(data))[split]
    count = 0
    for source in sources if isinstance(sources, list) else [sources]:
        source = Path(source)
        if source.is_dir():
            count += sum(1 for f in source.rglob("*") if f.suffix.lower().lstrip(".") in IMG_FORMATS)
        elif source.suffix == ".txt":
            count += sum(1 for line in source.read_text().splitlines() if line.strip())
    return count


def format_report(report: EvalReport) -> str:
    """A fixed-width table: class, images, instances, P, R, mAP50, mAP50-95."""
    header = f"{'class':<16}{'images':>8}{'boxes':>8}{'P':>8}{'R':>8}{'mAP50':>8}{'mAP50-95':>10}"
    rows = [header]
    for score in (report.overall, *report.classes):
        rows.append(f"{score.name:<16}{score.images:>8}{score.instances:>8}{score.precision:>8.3f}"
                    f"{score.recall:>8.3f}{score.map50:>8.3f}{score.map50_95:>10.3f}")
    return "\n".join(rows)


def export_model(weights: Path, fmt: str, imgsz: int = 416, half: bool = False, dynamic: bool = False,
                 calibration: Path | None = None) -> Path:
    """Export weights to ONNX (a file), OpenVINO or OpenVINO INT8 (a folder) next to them; returns the result's path.

    INT8 needs ``calibration``, a folder of real images like the ones the model will see (detection.quantize).
    OpenVINO folders record the weights they came from, so the detector may pick them for these weights.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    from detection.quantize import export_openvino_int8, stamp_source

    if fmt == "openvino-int8":
        if calibration is None:
            raise ValueError("openvino-int8 needs calibration images (a folder of real frames)")
        return export_openvino_int8(Path(weights), Path(calibration), imgsz=imgsz)
    model = _yolo(weights)
    options: dict[str, Any] = {"format": fmt, "imgsz": imgsz, "half": half, "dynamic": dynamic, "device": "cpu"}
    if fmt == "onnx":
        options["simplify"] = False  # onnxslim is not a dependency and could not be installed offline
    out = Path(model.export(**options))
    if fmt == "openvino" and not dynamic:
        stamp_source(out, Path(weights))
    return out
