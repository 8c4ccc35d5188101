"""OpenVINO INT8 export, calibrated on real images, and finding the fastest export that belongs to a ``.pt``.

Post-training quantization (nncf, through ultralytics' OpenVINO exporter) runs the FP32 model over the calibration
images to learn the range of every activation, then stores weights and activations as 8-bit integers. CPUs with
VNNI or AMX int8 units run that several times faster than FP32. The detection head's box decoding stays in floating
point (ultralytics leaves it out of the quantized scope): coordinates need the precision, and it is a small share of
the work.

Calibration images should look like what the model will see: frames from the city's own cameras, a few hundred,
across the day. They are copied into a scratch folder first, because ultralytics writes a label cache beside the
images it reads and rewrites a damaged JPEG in place.

Every export written here records the SHA-256 of the weights it came from (``source.sha256`` inside the folder),
so ``fastest_export`` never picks an export left over from older weights of the same name.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
from pathlib import Path

import yaml

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
SOURCE_DIGEST_FILE = "source.sha256"


class QuantizeError(ValueError):
    """Settings or material the INT8 export cannot use."""


def sha256_of(path: Path) -> str:
    """SHA-256 of a weights file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def calibration_images(source: Path, limit: int = 300) -> list[Path]:
    """The images of a folder (searched recursively), sorted, at most ``limit`` spread evenly over the folder."""
    source = Path(source)
    if not source.is_dir():
        raise QuantizeError(f"calibration folder not found: {source}")
    images = sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise QuantizeError(f"no images in the calibration folder {source}")
    if len(images) > limit:
        step = len(images) / limit
        images = [images[int(i * step)] for i in range(limit)]
    return images


def export_openvino_int8(weights: Path, calibration: Path, imgsz: int | tuple[int, int] = 416, limit: int = 300) -> Path:
    """Quantize ``weights`` (.pt) to an OpenVINO INT8 folder ``<stem>_int8_openvino_model`` next to them.

    ``imgsz`` is the fixed input (a side, or (height, width)); calibration images are letterboxed to it.
    """
    weights = Path(weights)
    if weights.suffix != ".pt":
        raise QuantizeError(f"{weights}: INT8 export starts from PyTorch weights (.pt)")
    if importlib.util.find_spec("nncf") is None:
        raise QuantizeError("INT8 export needs nncf: pip install 'traffic-enforcement[export]'")
    images = calibration_images(calibration, limit)
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    with tempfile.TemporaryDirectory(prefix="int8-calibration-") as scratch:
        folder = Path(scratch) / "images"
        folder.mkdir()
        for index, image in enumerate(images):
            shutil.copyfile(image, folder / f"{index:05d}{image.suffix.lower()}")
        data = Path(scratch) / "calibration.yaml"
        data.write_text(yaml.safe_dump({"path": scratch, "train": "images", "val": "images",
                                        "names": {int(k): str(v) for k, v in model.names.items()}},
                                       allow_unicode=True))
        # batch 1: the export keeps a fixed input of one frame, as the pipeline feeds it
        out = Path(model.export(format="openvino", quantize=8, data=str(data), imgsz=imgsz, batch=1,
                                device="cpu", fraction=1.0))
    (out / SOURCE_DIGEST_FILE).write_text(sha256_of(weights) + "\n")
    return out


def stamp_source(export: Path, weights: Path) -> None:
    """Record which weights an export folder came from (for exports written by ultralytics directly)."""
    if Path(export).is_dir():
        (Path(export) / SOURCE_DIGEST_FILE).write_text(sha256_of(weights) + "\n")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def fastest_export(weights: Path) -> Path:
    """The fastest runtime present for a ``.pt``: its INT8 OpenVINO export, its FP32 OpenVINO export, else itself.

    An export counts only when it sits next to the weights under ultralytics' names, its runtime is installed, and
    its recorded source digest is that of these weights.
    """
    weights = Path(weights)
    if weights.suffix != ".pt" or not weights.is_file():
        return weights
    candidates = []
    if _installed("openvino"):
        candidates += [weights.with_name(f"{weights.stem}_int8_openvino_model"),
                       weights.with_name(f"{weights.stem}_openvino_model")]
    digest = None
    for candidate in candidates:
        stamp = candidate / SOURCE_DIGEST_FILE
        if not stamp.is_file():
            continue
        digest = digest or sha256_of(weights)
        if stamp.read_text().strip() == digest:
            return candidate
    return weights
