"""Evidence packages: the files a court sees for one enforcement record, written once and sealed.

Layout: ``<root>/YYYY/MM/DD/<record_no>/`` (local capture date) holding ``panorama-N.jpg`` (full frames at different
times, stored as the very bytes the camera sent; ``.png`` when it sent a PNG), ``vehicle.jpg``, ``plate.jpg`` (when a plate box is known), ``composite.jpg`` (for people: panoramas, crops
and an overlay band) and ``manifest.json``. See docs/evidence.md.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from detection.types import EvidenceFrame, SightingSnapshot
from models import EnforcementRecord, EvidenceFile
from models.enums import EvidenceKind, PlatePresence
from traffic.digests import sha256_hex
from traffic.errors import InvalidInput
from traffic.services import evidence_manifest as manifest
from traffic.services.evidence_font import find_cjk_font
from traffic.services.evidence_render import Panel, crop, encode_jpeg, render_composite
from traffic.services.evidence_store import write_once
from traffic.services.evidence_verify import VerifyReport, verify_all, verify_package
from traffic.services.utc import as_utc, iso_utc, parse_iso_utc, utc_now

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class SourceFrame:
    """A frame as the camera sent it (pushed) or as the source gave it (pulled): what a panorama is stored as."""

    frame_id: str
    data: bytes
    content_type: str
    sha256: str  # recorded when the frame arrived; the stored panorama must hash to it


class FrameStore(Protocol):
    """Where the writer gets evidence frames: pixels for crops and the composite, bytes for the panoramas."""

    def __call__(self, frame: EvidenceFrame) -> np.ndarray:
        """The BGR image of an evidence frame whose image was dropped (e.g. read back from the ingest store)."""

    def source(self, frame: EvidenceFrame) -> SourceFrame:
        """The frame's bytes as they arrived, with their recorded SHA-256."""

VEHICLE_TYPE_NAMES = {"e_tricycle": "电动三轮车", "fuel_tricycle": "燃油三轮车", "e_four_wheeler": "电动四轮车"}
# Camera directions as configured in English, shown in Chinese on the overlay; other values are shown as written.
DIRECTION_NAMES = {
    "eastbound": "由西向东", "westbound": "由东向西", "northbound": "由南向北", "southbound": "由北向南",
    "east": "东向", "west": "西向", "north": "北向", "south": "南向",
}
MAX_PANORAMAS = 4
JPEG = "image/jpeg"
EXTENSIONS = {JPEG: "jpg", "image/png": "png"}
_SAFE_RECORD_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_WEEKDAYS = "一二三四五六日"


class CameraLike(Protocol):
    """What the composite needs to know about the camera (traffic.services.cameras.CameraRef provides it)."""

    code: str
    direction: str | None
    segment_code: str
    segment_name: str


@dataclass(frozen=True)
class _Written:
    file: manifest.ManifestFile
    image: np.ndarray | None


class EvidenceWriter:
    """Writes and verifies evidence packages under ``root`` with the server ``key``."""

    def __init__(self, root: Path, key: bytes, *, timezone: str = "Asia/Shanghai", font: Path | None = None):
        if not key:
            raise ValueError("the evidence key must not be empty")
        self.root = Path(root)
        self._key = key
        self.tz = ZoneInfo(timezone)
        self._font_override = font

    @classmethod
    def from_settings(cls, settings, *, timezone: str | None = None) -> EvidenceWriter:
        """The writer of a deployment: ``<data_dir>/evidence`` under the server key."""
        return cls(
            settings.data_dir / "evidence",
            settings.resolved_secret_key(),
            timezone=timezone or settings.timezone,
            font=settings.cjk_font,
        )

    def check_font(self) -> Path:
        """The font overlays will use; raises FontNotFound now, so a process refuses before its first frame."""
        return find_cjk_font(self._font_override)

    @property
    def key_id(self) -> str:
        return manifest.key_id(self._key)

    def write_package(
        self,
        session: Session,
        record: EnforcementRecord,
        sighting: SightingSnapshot,
        camera: CameraLike,
        rule_name: str,
        images: FrameStore,
    ) -> list[EvidenceFile]:
        """Write, hash and seal the package of a flushed record; flushes, never commits. Idempotent per record."""
        existing = self.files_of(session, record)
        if existing:
            return existing
        font = self.check_font()  # before any file is written: no half package without a font
        if record.id is None or not _SAFE_RECORD_NO.match(record.record_no or ""):
            raise InvalidInput(f"record {record.record_no!r} needs an id and a file-safe number before evidence")
        session.flush()  # the facts are read back from the rows, as verify will read them
        folder = self.folder_of(record)

        panoramas = _distinct_panoramas(sighting)
        if len({f.captured_at for f in panoramas}) < 2:
            log.warning("record %s: fewer than two panoramas at different times", record.record_no)
        written = [self._write_panorama(folder, number, frame, images)
                   for number, frame in enumerate(panoramas, start=1)]
        best_image = _image_of(sighting.best, images)
        vehicle = crop(best_image, sighting.best.box_xyxy)
        written.append(self._write(folder, "vehicle.jpg", EvidenceKind.VEHICLE, vehicle, sighting.best.captured_at))
        plate_source = _plate_frame(sighting)
        plate = None
        if plate_source is not None:
            plate = crop(_image_of(plate_source, images), plate_source.plate_box_xyxy, margin=0.15)
            written.append(self._write(folder, "plate.jpg", EvidenceKind.PLATE, plate, plate_source.captured_at))

        files = [w.file for w in written]
        facts = manifest.facts_from_db(session, record)
        code = manifest.anti_forgery_code(self._key, facts, files)
        panels = [Panel(w.image, f.box_xyxy, self._caption(n, f))
                  for n, (w, f) in enumerate(zip(written[: len(panoramas)], panoramas, strict=True), start=1)]
        lines = self._overlay_lines(record, sighting, camera, rule_name, manifest.short_code(code))
        composite = render_composite(panels, vehicle, plate, lines, font)
        files.append(self._write(folder, "composite.jpg", EvidenceKind.COMPOSITE, composite, None).file)

        body = manifest.sealed_body(self._key, facts, files, code)
        seal = manifest.seal_of(self._key, body)
        document = manifest.manifest_document(body, seal)
        files.append(self._publish(folder, manifest.MANIFEST_NAME, EvidenceKind.MANIFEST, document, "application/json", None))

        now = utc_now()
        rows = [
            EvidenceFile(
                record_id=record.id, name=f.name, kind=f.kind, path=f.path, sha256=f.sha256, size=f.size,
                content_type=f.content_type, created_at=now,
                captured_at=None if f.captured_at is None else parse_iso_utc(f.captured_at),
                source_frame=f.source_frame, source_sha256=f.source_sha256, box_xyxy=f.box_xyxy,
            )
            for f in files
        ]
        session.add_all(rows)
        record.anti_forgery_code = code
        record.seal = seal
        session.flush()
        return rows

    def verify(self, session: Session, record: EnforcementRecord) -> VerifyReport:
        """Recompute every file hash and both HMACs; the report names what was altered or is missing."""
        return verify_package(session, record, self.root, self._key)

    def verify_all(self, session: Session) -> Iterator[VerifyReport]:
        """Every record's report, oldest first (``traffic evidence verify --all``, after a restore)."""
        return verify_all(session, self.root, self._key)

    def files_of(self, session: Session, record: EnforcementRecord) -> list[EvidenceFile]:
        return list(
            session.scalars(select(EvidenceFile).where(EvidenceFile.record_id == record.id).order_by(EvidenceFile.id))
        )

    def path_of(self, row: EvidenceFile) -> Path:
        """The absolute path of a stored file, refusing any stored path that leaves the evidence root."""
        root = self.root.resolve()
        path = (root / row.path).resolve()
        if not path.is_relative_to(root):
            raise InvalidInput(f"evidence path {row.path!r} leaves the evidence root")
        return path

    def folder_of(self, record: EnforcementRecord) -> str:
        local = as_utc(record.captured_at).astimezone(self.tz)
        return f"{local:%Y/%m/%d}/{record.record_no}"

    def _write(self, folder: str, name: str, kind: str, image: np.ndarray, captured_at) -> _Written:
        file = self._publish(folder, name, kind, encode_jpeg(image), JPEG, captured_at)
        return _Written(file, image)

    def _write_panorama(self, folder: str, number: int, frame: EvidenceFrame, images: FrameStore) -> _Written:
        """The frame stored as the bytes that arrived, never re-encoded, naming its source frame and upload hash."""
        source = images.source(frame)
        extension = EXTENSIONS.get(source.content_type)
        if extension is None or sha256_hex(source.data) != source.sha256:
            raise InvalidInput(f"frame {source.frame_id!r} is not a stored JPEG/PNG matching its upload SHA-256")
        file = self._publish(folder, f"panorama-{number}.{extension}", EvidenceKind.PANORAMA, source.data, source.content_type,
                             frame.captured_at, source_frame=source.frame_id, source_sha256=source.sha256,
                             box_xyxy=pixel_box(frame.box_xyxy))
        return _Written(file, _image_of(frame, images))

    def _publish(self, folder: str, name: str, kind: str, data: bytes, content_type: str, captured_at, *,
                 source_frame: str | None = None, source_sha256: str | None = None,
                 box_xyxy: list[int] | None = None) -> manifest.ManifestFile:
        relative = f"{folder}/{name}"
        if not write_once(self.root / relative, data):
            log.info("evidence %s was already written with the same bytes (retried job)", relative)
        return manifest.ManifestFile(
            name=name, kind=kind, path=relative, sha256=sha256_hex(data), size=len(data), content_type=content_type,
            captured_at=iso_utc(captured_at) if captured_at is not None else None,
            source_frame=source_frame, source_sha256=source_sha256, box_xyxy=box_xyxy,
        )

    def _caption(self, number: int, frame: EvidenceFrame) -> str:
        local = as_utc(frame.captured_at).astimezone(self.tz)
        return f"{number}  {local:%H:%M:%S}.{local.microsecond // 1000:03d}"

    def _overlay_lines(self, record, sighting: SightingSnapshot, camera: CameraLike, rule_name: str, short: str) -> list[str]:
        local = as_utc(record.captured_at).astimezone(self.tz)
        when = f"{local:%Y-%m-%d %H:%M:%S} 星期{_WEEKDAYS[local.weekday()]}"
        vehicle = VEHICLE_TYPE_NAMES.get(record.vehicle_type, record.vehicle_type)
        return [
            f"时间 {when}    地点 {camera.segment_name}（{camera.segment_code}）    方向 {_direction(camera.direction)}"
            f"    设备编号 {camera.code}",
            f"车辆类型 {vehicle}    号牌 {_plate_words(record)}    违法行为 {rule_name}",
            f"记录编号 {record.record_no}    防伪码 {short}",
        ]


def pixel_box(box) -> list[int]:
    """A detector box as whole pixels: integers survive JSON and both databases exactly, so the seal is stable."""
    return [int(round(float(v))) for v in box]


def _direction(direction: str | None) -> str:
    if not direction:
        return "—"
    return DIRECTION_NAMES.get(direction.strip().lower(), direction)


def _distinct_panoramas(sighting: SightingSnapshot) -> list[EvidenceFrame]:
    """Panoramas in time order, one per frame; the best frame joins when fewer than two times are covered."""
    seen: dict[str, EvidenceFrame] = {}
    for frame in sorted(sighting.panoramas, key=lambda f: f.captured_at):
        seen.setdefault(frame.frame_ref, frame)
    frames = list(seen.values())
    if len({f.captured_at for f in frames}) < 2 and sighting.best.frame_ref not in seen:
        frames.append(sighting.best)
    if not frames:
        raise InvalidInput(f"sighting {sighting.track_id} of camera {sighting.camera} has no evidence frame")
    return sorted(frames, key=lambda f: f.captured_at)[:MAX_PANORAMAS]


def _plate_frame(sighting: SightingSnapshot) -> EvidenceFrame | None:
    for frame in (sighting.best, *sighting.panoramas):
        if frame.plate_box_xyxy is not None:
            return frame
    return None


def _image_of(frame: EvidenceFrame, images: FrameStore) -> np.ndarray:
    image = frame.image if frame.image is not None else images(frame)
    if image is None or image.ndim != 3 or image.shape[2] != 3:
        raise InvalidInput(f"evidence frame {frame.frame_ref!r} has no BGR image")
    return image


def _plate_words(record: EnforcementRecord) -> str:
    if record.plate_state == PlatePresence.PLATED:
        return record.plate_text or "有牌（未识别）"
    if record.plate_state == PlatePresence.UNPLATED:
        return "无牌"
    return "未确定"
