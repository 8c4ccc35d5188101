"""A YOLO training set from the reviewers' decisions: confirmed boxes, corrected types, false detections as negatives.

Each reviewed record contributes its panoramas (the frames the camera sent, with the vehicle's box):
* confirmed (and every later status: assigned, actioned, closed) → the box with the record's vehicle type;
* dismissed ``wrong_vehicle_type`` → the box with the reviewer's corrected type (skipped when none was given);
* dismissed ``false_detection`` → the frame with no box at all (a negative).
Other dismissals say nothing about what the model saw and are left out. The held-out split is chosen by camera and
local day, so the frames of one vehicle pass never sit on both sides.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, District, EnforcementRecord, EvidenceFile
from models.enums import DismissReason, EvidenceKind, RecordStatus, VehicleType
from traffic.errors import InvalidInput, NotFound
from traffic.services.city import city_timezone
from traffic.services.frame_store import BlobStore, read_frame_bytes

CLASSES = tuple(v.value for v in VehicleType)  # the dataset's class ids, in this order
CONFIRMED = (RecordStatus.CONFIRMED, RecordStatus.ASSIGNED, RecordStatus.ACTIONED, RecordStatus.CLOSED)


def frame_bytes(session: Session, evidence_root: Path, panorama: EvidenceFile,
                frames: BlobStore | None = None) -> bytes | None:
    """The bytes of the frame a panorama is: the sealed panorama file (the camera's bytes unchanged), or else the
    ingest frame it names, from the frame store, while retention still keeps it."""
    path = evidence_root / panorama.path
    if path.is_file():
        return path.read_bytes()
    if panorama.source_frame and frames is not None:
        try:
            return read_frame_bytes(frames, panorama.source_frame, session)
        except NotFound:  # removed by retention, or its file is gone: the frame is missing, the export goes on
            return None
    return None


@dataclass
class _Frame:
    """One image of the dataset: its bytes, its group (camera, local day) and its boxes (class id, x1, y1, x2, y2)."""

    data: bytes
    group: tuple[str, str]
    boxes: list[tuple[int, list[int]]] = field(default_factory=list)


@dataclass
class ExportReport:
    """What went into the dataset, for the dataset card and the command's summary."""

    records: Counter = field(default_factory=Counter)  # by how each was used: confirmed, corrected, negative, skipped
    boxes: Counter = field(default_factory=Counter)  # by class, over both splits
    images: dict[str, int] = field(default_factory=dict)  # by split
    negatives: dict[str, int] = field(default_factory=dict)  # empty label files, by split
    groups: dict[str, list[str]] = field(default_factory=dict)  # camera/day groups, by split
    missing_frames: int = 0

    def summary(self) -> str:
        return (f"{self.images.get('train', 0)} train / {self.images.get('val', 0)} val images, "
                f"{sum(self.boxes.values())} boxes {dict(self.boxes)}, "
                f"{sum(self.negatives.values())} negatives; records used: {dict(self.records)}")


def export_dataset(session: Session, evidence_root: Path, out: Path, *, start: dt.date, end: dt.date,
                   district: str | None = None, default_timezone: str = "Asia/Shanghai",
                   val_fraction: float = 0.2, store: BlobStore | None = None) -> ExportReport:
    """Write ``out``/images|labels/train|val, data.yaml, class_map.yaml and README.md (the dataset card)."""
    if end < start:
        raise InvalidInput(f"--to {end} is before --from {start}")
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(f"{out} is not empty: export into a new folder")
    tz = ZoneInfo(city_timezone(session, default_timezone))
    report = ExportReport()
    frames = _collect(session, evidence_root, store, _reviewed(session, start, end, district, tz), tz, report)
    split_of = _split_groups(sorted({f.group for f in frames.values()}), val_fraction, report)
    for split in ("train", "val"):
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        report.images[split] = report.negatives[split] = 0
    for key, frame in sorted(frames.items()):
        split = split_of[frame.group]
        lines = _label_lines(frame)
        if lines is None:
            report.missing_frames += 1
            continue
        (out / "images" / split / f"{key}.jpg").write_bytes(frame.data)
        (out / "labels" / split / f"{key}.txt").write_text("".join(lines), encoding="utf-8")
        report.images[split] += 1
        report.negatives[split] += not lines
        report.boxes.update(CLASSES[c] for c, _ in frame.boxes)
    (out / "data.yaml").write_text(yaml.safe_dump(
        {"path": str(out.resolve()), "train": "images/train", "val": "images/val",
         "names": dict(enumerate(CLASSES))}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out / "class_map.yaml").write_text(yaml.safe_dump({c: c for c in CLASSES}, sort_keys=False), encoding="utf-8")
    (out / "README.md").write_text(_card(report, start, end, district, val_fraction), encoding="utf-8")
    return report


def _reviewed(session: Session, start: dt.date, end: dt.date, district: str | None, tz: ZoneInfo):
    """(record, camera code) of records captured between the local days, reviewed with a decision we can use."""
    query = (select(EnforcementRecord, Camera.code).join(Camera, Camera.id == EnforcementRecord.camera_id)
             .where(EnforcementRecord.captured_at >= dt.datetime.combine(start, dt.time(), tz),
                    EnforcementRecord.captured_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
                    EnforcementRecord.status.in_([*CONFIRMED, RecordStatus.DISMISSED]))
             .order_by(EnforcementRecord.id))
    if district is not None:
        district_id = session.scalar(select(District.id).where(District.code == district))
        if district_id is None:
            raise NotFound(f"no district {district!r}")
        query = query.where(EnforcementRecord.district_id == district_id)
    return session.execute(query).all()


def _label_of(record: EnforcementRecord) -> tuple[str, str | None]:
    """How a record is used ("confirmed", "corrected", "negative" or "skipped") and the class of its box."""
    if record.status in CONFIRMED:
        return "confirmed", record.vehicle_type
    if record.dismiss_reason == DismissReason.WRONG_VEHICLE_TYPE and record.corrected_vehicle_type in CLASSES:
        return "corrected", record.corrected_vehicle_type
    if record.dismiss_reason == DismissReason.FALSE_DETECTION:
        return "negative", None
    return "skipped", None


def _collect(session: Session, evidence_root: Path, store: BlobStore | None, rows, tz: ZoneInfo,
             report: ExportReport) -> dict[str, _Frame]:
    """Frames keyed by the SHA-256 of their bytes: one image per frame, even when several records share it."""
    frames: dict[str, _Frame] = {}
    for record, camera in rows:
        use, vehicle_type = _label_of(record)
        report.records[use] += 1
        if use == "skipped":
            continue
        group = (camera, record.captured_at.astimezone(tz).date().isoformat())
        panoramas = session.scalars(select(EvidenceFile).where(EvidenceFile.record_id == record.id,
                                                               EvidenceFile.kind == EvidenceKind.PANORAMA)
                                    .order_by(EvidenceFile.name))
        for panorama in panoramas:
            data = frame_bytes(session, evidence_root, panorama, store)
            if data is None:
                report.missing_frames += 1
                continue
            key = hashlib.sha256(data).hexdigest()[:20]
            frame = frames.setdefault(key, _Frame(data, group))
            if vehicle_type is not None and panorama.box_xyxy:
                frame.boxes.append((CLASSES.index(vehicle_type), list(panorama.box_xyxy)))
    return frames


def _split_groups(groups: list[tuple[str, str]], val_fraction: float, report: ExportReport) -> dict:
    """Whole camera/day groups to val, chosen by a hash of the group (stable across exports), the rest to train."""
    ranked = sorted(groups, key=lambda g: hashlib.sha256("|".join(g).encode()).hexdigest())
    count = min(len(groups) - 1, max(1, math.ceil(len(groups) * val_fraction))) if len(groups) > 1 else 0
    val = set(ranked[:count])
    split_of = {g: "val" if g in val else "train" for g in groups}
    for split in ("train", "val"):
        report.groups[split] = sorted(f"{camera}/{day}" for (camera, day), s in split_of.items() if s == split)
    return split_of


def _label_lines(frame: _Frame) -> list[str] | None:
    """YOLO lines (class cx cy w h, normalised) of the frame's boxes; None when the bytes are not an image."""
    image = cv2.imdecode(np.frombuffer(frame.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    height, width = image.shape[:2]
    lines = []
    for class_id, (x1, y1, x2, y2) in frame.boxes:
        x1, x2 = sorted((max(0, min(width, x1)), max(0, min(width, x2))))
        y1, y2 = sorted((max(0, min(height, y1)), max(0, min(height, y2))))
        if x2 > x1 and y2 > y1:
            lines.append(f"{class_id} {(x1 + x2) / 2 / width:.6f} {(y1 + y2) / 2 / height:.6f} "
                         f"{(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}\n")
    return lines


def _card(report: ExportReport, start: dt.date, end: dt.date, district: str | None, val_fraction: float) -> str:
    per_class = "\n".join(f"| {name} | {report.boxes.get(name, 0)} |" for name in CLASSES)
    used = "\n".join(f"| {use} | {count} |" for use, count in sorted(report.records.items()))
    return f"""# Dataset card: reviewed enforcement records

Made by `traffic dataset export --from {start} --to {end}{f' --district {district}' if district else ''}` on
{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.

## Source
The panoramas of records captured between {start} and {end} (local days){f' in district {district}' if district else ''},
as the cameras sent them (the sealed evidence files), labelled by the reviewers' decisions:
confirmed records keep their box with the confirmed type, `wrong_vehicle_type` dismissals get the corrected type,
`false_detection` dismissals are negatives (an empty label file). Other dismissals are left out.

| decision | records |
|---|---|
{used}

| class | boxes |
|---|---|
{per_class}

Images: {report.images.get('train', 0)} train, {report.images.get('val', 0)} val; negatives:
{report.negatives.get('train', 0)} train, {report.negatives.get('val', 0)} val; frames not found: {report.missing_frames}.

## Split
Held out by camera and local day (about {val_fraction:.0%} of the groups, chosen by a hash of the group), so the
frames of one vehicle pass never sit on both sides.
Val groups: {', '.join(report.groups.get('val', [])) or '-'}.

## Known gaps
- Only the vehicle a record is about is labelled: other vehicles in the same frame carry no box, so a model trained
  on this alone learns to miss some of them. Mix it with a fully labelled set.
- No plate boxes: plates are not labelled in evidence. A model fine-tuned on this alone forgets plates; keep a plate
  set in the mix or keep the plate detector separate.
- Only what the deployed model already detected is here (and what reviewers looked at): vehicles it missed entirely
  never reach review.
- Images hold people and plates: handle under the same rules as the evidence itself.
"""
