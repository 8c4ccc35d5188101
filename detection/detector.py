"""The object detector: a thin wrapper over ultralytics YOLO that returns typed `Detections`.

It loads whatever ultralytics loads from a local path (`.pt`, `.onnx`, an OpenVINO `*_openvino_model/` folder) and
never downloads: a name that is not an existing path is refused, because ultralytics would otherwise fetch weights by
name from the internet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detection.types import Detections


class DetectorError(ValueError):
    """Weights or settings the detector cannot use."""


@dataclass(frozen=True)
class DetectorSettings:
    """How the model runs.

    conf: minimum box score kept by the model's NMS. iou: NMS overlap threshold. imgsz: inference size; None: the
    size a .pt model was trained at (640 for exports; exports with a fixed input size always use their own). batch: frames per model call. device: "cpu", "cuda", "cuda:N" or "N".
    half: FP16 inference (CUDA only). max_det: most boxes per frame.
    use_exports: given a .pt on the CPU, run its OpenVINO export instead when one made from these very weights sits
        beside it (INT8 first, then FP32; see detection.quantize.fastest_export). False: run exactly the file given.
    """

    conf: float = 0.25
    iou: float = 0.7
    imgsz: int | None = None
    batch: int = 1
    device: str = "cpu"
    half: bool = False
    max_det: int = 300
    use_exports: bool = True


def resolve_weights(path: str | Path) -> Path:
    """The local weights path ultralytics should load; refuses names that are not files or export folders."""
    weights = Path(path)
    if not weights.exists():
        raise DetectorError(f"model weights not found: {weights} (give a local .pt, .onnx or *_openvino_model path)")
    if weights.is_dir() and "_openvino_model" not in weights.name:
        inner = sorted(weights.glob("*_openvino_model"))
        if len(inner) == 1 and inner[0].is_dir():
            return inner[0]
        raise DetectorError(
            f"{weights}: a model folder must be an OpenVINO export named '*_openvino_model' (as ultralytics writes it)"
        )
    if weights.is_file() and weights.suffix.lower() not in {".pt", ".onnx", ".torchscript", ".engine"}:
        raise DetectorError(f"{weights}: unsupported weights file; use .pt, .onnx or an OpenVINO export folder")
    return weights


def _check_device(device: str) -> str:
    device = str(device).strip().lower()
    if device == "cpu":
        return device
    import torch

    if not torch.cuda.is_available():
        raise DetectorError(f"device {device!r} asked for, but CUDA is not available on this machine; use 'cpu'")
    if device == "cuda":
        return "cuda:0"
    return device


class Detector:
    """Runs a YOLO model on batches of BGR frames and returns one `Detections` per frame."""

    def __init__(self, weights: str | Path, settings: DetectorSettings | None = None):
        """Load the model from a local path; nothing is downloaded."""
        from ultralytics import YOLO

        self.settings = settings or DetectorSettings()
        if self.settings.batch < 1:
            raise DetectorError(f"batch must be at least 1, got {self.settings.batch}")
        self.weights = resolve_weights(weights)
        self.device = _check_device(self.settings.device)
        if self.settings.use_exports and self.device == "cpu":
            from detection.quantize import fastest_export

            self.weights = fastest_export(self.weights)
        self.model = YOLO(str(self.weights), task="detect")
        self.names: dict[int, str] = {int(k): str(v) for k, v in self.model.names.items()}

    def predict_args(self) -> dict:
        """The keyword arguments passed to ultralytics `predict` (a bare predict with these gives the same boxes)."""
        s = self.settings
        args = {"conf": s.conf, "iou": s.iou, "device": self.device, "max_det": s.max_det}
        if s.imgsz is not None:  # left out, ultralytics uses the training size stored in a .pt checkpoint
            args["imgsz"] = s.imgsz
        if s.half:  # passed only when asked: ultralytics warns about the argument on every call otherwise
            args["half"] = True
        return {**args, "verbose": False}

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """Detect objects on each image; images go to the model `batch` at a time, without copies."""
        out: list[Detections] = []
        step = self.settings.batch
        args = self.predict_args()
        for start in range(0, len(images), step):
            chunk = list(images[start : start + step])
            for result in self.model.predict(chunk, **args):
                out.append(detections_from_result(result))
        return out


def detections_from_result(result) -> Detections:
    """The one adapter from an ultralytics `Results` to our `Detections`."""
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return Detections.empty()
    data = boxes.data.cpu().numpy()
    return Detections(
        xyxy=data[:, :4].astype(np.float32, copy=False),
        scores=data[:, 4].astype(np.float32, copy=False),
        class_ids=data[:, 5].astype(np.int64),
    )
