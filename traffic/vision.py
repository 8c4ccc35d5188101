"""The vision stack of one process, built once from settings: models, class maps, plate reader, per-camera pipelines.

The settings' model is loaded at start; other registered detector versions are loaded the first time a camera is
switched to them (``traffic model activate``) and then shared by every camera that runs them.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.orm import Session

from detection.class_map import ClassMap
from detection.detector import Detector, DetectorSettings
from detection.pipeline import CameraPipeline, PipelineSettings
from detection.sightings import SightingSettings
from detection.zone import Zone
from models import DetectorVersion
from traffic.errors import InvalidInput
from traffic.services import detector_versions
from traffic.services.cameras import CameraRef
from traffic.settings import Settings


@dataclass(frozen=True)
class DetectorChoice:
    """The detector version a camera runs: its row id (what sightings point to) and how to load it."""

    id: int
    label: str
    weights: Path
    class_map: dict[str, str]

    @classmethod
    def of(cls, row: DetectorVersion) -> DetectorChoice:
        if row.weights_path is None:
            raise InvalidInput(f"model {row.ref} has no weights on record")
        return cls(row.id, row.label, Path(row.weights_path), dict(row.class_map))


@dataclass
class PipelineFactory:
    """Loaded once per worker process; pipelines for many cameras share its models and plate reader."""

    detector: Detector
    class_map: ClassMap
    plate_reader: object | None
    settings: PipelineSettings
    weights: Path  # the settings' model, the one to run where nothing is activated
    class_map_path: Path
    detector_settings: DetectorSettings
    # The models and the OCR engine are not safe to call from two threads at once.
    lock: threading.Lock
    _loaded: dict[Path, tuple[Detector, ClassMap]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, *, keep_images: bool = False) -> PipelineFactory:
        model_path = Path(settings.model_path).resolve()
        if not model_path.exists():
            raise InvalidInput(f"model weights not found: {model_path} (set TRAFFIC_MODEL_PATH)")
        class_map_path = detector_versions.class_map_path_for(model_path, settings.class_map_path)
        if not class_map_path.is_file():
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

            plate_reader = PlateReader().load()  # loaded with the model, not at the first plate
        pipeline_settings = PipelineSettings(sightings=SightingSettings(keep_images=keep_images))
        return cls(detector, class_map, plate_reader, pipeline_settings, model_path, class_map_path,
                   detector_settings, threading.Lock())

    def generation(self, session: Session) -> int:
        """The activation generation: when it moves, some camera may have to switch models."""
        return detector_versions.activation_generation(session)

    def choose(self, session: Session, camera_id: int) -> DetectorChoice:
        """The version the camera runs now: its own activation, the city's, else the settings' model (registered on
        first use, so flushes: commit the session)."""
        row = detector_versions.active_version(session, camera_id)
        if row is None:
            row = detector_versions.ensure_default(session, self.weights, self.class_map_path)
        return DetectorChoice.of(row)

    def pipeline_for(self, camera: CameraRef, state: bytes | None = None, *, inertia: int = 3,
                     detector: DetectorChoice | None = None) -> CameraPipeline:
        """A pipeline for ``camera`` (its zone, its name) on ``detector`` (default: the settings' model), resumed from
        a checkpoint when one is given."""
        model, class_map = self._model(detector)
        zone = Zone((camera.zone,), inertia) if camera.zone else Zone.whole_frame(inertia)
        settings = replace(self.settings, camera=camera.code, zone=zone)
        restored = CameraPipeline.restore(state) if state else None
        return CameraPipeline(model, class_map, settings, self.plate_reader, restored)

    def _model(self, detector: DetectorChoice | None) -> tuple[Detector, ClassMap]:
        if detector is None or detector.weights.resolve() == self.weights:
            return self.detector, self.class_map
        key = detector.weights.resolve()
        with self.lock:
            if key not in self._loaded:
                if not key.exists():
                    raise InvalidInput(f"the weights of {detector.label} are gone: {key}")
                model = Detector(key, self.detector_settings)
                self._loaded[key] = (model, ClassMap(detector.class_map, model.names))
            return self._loaded[key]
