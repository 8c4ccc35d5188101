"""The vision stack of one process, built once from settings: model, class map, plate reader, per-camera pipelines."""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from detection.class_map import ClassMap
from detection.detector import Detector, DetectorSettings
from detection.pipeline import CameraPipeline, PipelineSettings
from detection.sightings import SightingSettings
from detection.zone import Zone
from traffic.digests import file_sha256
from traffic.errors import InvalidInput
from traffic.services.cameras import CameraRef
from traffic.settings import Settings


def weights_digest(path: Path) -> str:
    """A short content hash of the weights, so every sighting names exactly which model made it."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return file_sha256(*files)[:12]


@dataclass
class PipelineFactory:
    """Loaded once per worker process; pipelines for many cameras share its model and plate reader."""

    detector: Detector
    class_map: ClassMap
    plate_reader: object | None
    settings: PipelineSettings
    model_version: str
    # The model and the OCR engine are not safe to call from two threads at once.
    lock: threading.Lock

    @classmethod
    def from_settings(cls, settings: Settings, *, keep_images: bool = False) -> PipelineFactory:
        model_path = Path(settings.model_path)
        if not model_path.exists():
            raise InvalidInput(f"model weights not found: {model_path} (set TRAFFIC_MODEL_PATH)")
        class_map_path = settings.class_map_path or (
            (model_path if model_path.is_dir() else model_path.parent) / "class_map.yaml"
        )
        if not Path(class_map_path).is_file():
            raise InvalidInput(f"class map not found: {class_map_path} (set TRAFFIC_CLASS_MAP_PATH)")
        detector_settings = DetectorSettings(conf=settings.detector_conf, device=settings.device,
                                             use_exports=settings.detector_use_exports)
        if settings.detector_imgsz is not None:
            detector_settings = replace(detector_settings, imgsz=settings.detector_imgsz)
        detector = Detector(model_path, detector_settings)
        class_map = ClassMap.load(class_map_path, detector.names)
        plate_reader = None
        if settings.read_plates:
            from detection.plate import PlateReader

            plate_reader = PlateReader()
        pipeline_settings = PipelineSettings(sightings=SightingSettings(keep_images=keep_images))
        version = f"{model_path.name}@{weights_digest(model_path)}"
        return cls(detector, class_map, plate_reader, pipeline_settings, version, threading.Lock())

    def pipeline_for(self, camera: CameraRef, state: bytes | None = None, *, inertia: int = 3) -> CameraPipeline:
        """A pipeline for ``camera`` (its zone, its name), resumed from a checkpoint when one is given."""
        zone = Zone((camera.zone,), inertia) if camera.zone else Zone.whole_frame(inertia)
        settings = replace(self.settings, camera=camera.code, zone=zone)
        restored = CameraPipeline.restore(state) if state else None
        return CameraPipeline(self.detector, self.class_map, settings, self.plate_reader, restored)
