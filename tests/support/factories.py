"""Build city reference rows, sightings and enforcement records directly with the ORM, with real evidence images.

Used until (and beside) the recorder: tests that need records do not have to run the vision model.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from sqlalchemy.orm import Session

import models
from detection.types import EvidenceFrame, PlateState, SightingSnapshot, TrackPoint
from tests.support.data import JAKARTA_VIDEO, require
from traffic.services.detector_versions import weightless_version
from traffic.services.evidence import SourceFrame

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A dark car coming down the middle lane of the Jakarta clip, one second apart (1024x576 frames).
VEHICLE_BOXES = {0: (490.0, 450.0, 578.0, 528.0), 25: (490.0, 485.0, 585.0, 570.0)}
PLATE_BOX = (527.0, 547.0, 557.0, 562.0)


@lru_cache(maxsize=4)
def jakarta_frame(index: int) -> np.ndarray:
    """One real 1024x576 BGR frame of the Jakarta street clip (read-only: copy before drawing on it)."""
    require(JAKARTA_VIDEO)
    capture = cv2.VideoCapture(str(JAKARTA_VIDEO))
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise RuntimeError(f"could not read frame {index} of {JAKARTA_VIDEO}")
    frame.setflags(write=False)
    return frame


@dataclass(frozen=True)
class CameraInfo:
    """What the evidence writer needs of a camera (the same attributes as traffic.services.cameras.CameraRef)."""

    id: int
    code: str
    name: str
    direction: str | None
    segment_id: int
    segment_code: str
    segment_name: str
    district_id: int
    district_code: str


@dataclass(frozen=True)
class City:
    district: models.District
    segment: models.RoadSegment
    camera: models.Camera
    time_slot: models.TimeSlot
    rule: models.RestrictionRule

    @property
    def camera_info(self) -> CameraInfo:
        return CameraInfo(
            id=self.camera.id, code=self.camera.code, name=self.camera.name, direction=self.camera.direction,
            segment_id=self.segment.id, segment_code=self.segment.code, segment_name=self.segment.name,
            district_id=self.district.id, district_code=self.district.code,
        )


def make_city(session: Session, suffix: str = "1") -> City:
    """A district, a segment with one camera, a 07:00-09:00 time slot and a rule banning tricycles there then."""
    district = models.District(code=f"D{suffix}", name=f"城东区{suffix}")
    session.add(district)
    session.flush()
    segment = models.RoadSegment(code=f"S-RM-{suffix}", name=f"人民路{suffix}段", district_id=district.id,
                                 road_class=models.RoadClass.ARTERIAL)
    session.add(segment)
    session.flush()
    camera = models.Camera(code=f"CAM-{suffix}", name=f"人民路东口{suffix}", segment_id=segment.id, direction="东向西")
    slot = models.TimeSlot(code=f"T-PEAK-{suffix}", name="早高峰", start_minute=7 * 60, end_minute=9 * 60)
    rule = models.RestrictionRule(
        code=f"R-TRI-{suffix}", name="早高峰三轮车禁行", vehicle_types=["e_tricycle", "fuel_tricycle"], days="all",
        effective_from=dt.date(2023, 6, 1), action=models.Action.WARNING,
    )
    session.add_all([camera, slot, rule])
    session.flush()
    session.execute(models.rule_segments.insert().values(rule_id=rule.id, segment_id=segment.id))
    session.execute(models.rule_time_slots.insert().values(rule_id=rule.id, time_slot_id=slot.id))
    return City(district, segment, camera, slot, rule)


def detector_version_row(session: Session) -> models.DetectorVersion:
    """The version row test sightings and records point to (no weights)."""
    return weightless_version(session, "test", "1", "rows made by tests")


def make_sighting_row(
    session: Session,
    city: City,
    first_seen: dt.datetime,
    *,
    vehicle_type: str = "e_tricycle",
    plate_state: str = "unplated",
    plate_text: str | None = None,
    with_time_slot: bool = True,
) -> models.Sighting:
    """A stored sighting (one vehicle pass) at the city's camera; times are stored in UTC."""
    first = first_seen.astimezone(dt.UTC)
    row = models.Sighting(
        camera_id=city.camera.id, segment_id=city.segment.id, district_id=city.district.id,
        time_slot_id=city.time_slot.id if with_time_slot else None, track_key=f"test:{uuid.uuid4().hex[:12]}",
        status="closed", source="video", first_seen=first, last_seen=first + dt.timedelta(seconds=2),
        vehicle_type=vehicle_type, votes={vehicle_type: 5}, confidence=0.8, plate_state=plate_state,
        plate_text=plate_text, plate_confidence=0.9 if plate_text else None, moved=True,
        detector_version_id=detector_version_row(session).id, created_at=first,
    )
    session.add(row)
    session.flush()
    return row


def make_record(
    session: Session,
    city: City,
    captured_at: dt.datetime,
    *,
    vehicle_type: str = "e_tricycle",
    plate_state: str = "unplated",
    plate_text: str | None = None,
    status: str = "pending_review",
    sighting: models.Sighting | None = None,
) -> models.EnforcementRecord:
    """An enforcement record (and its sighting unless given), numbered like the recorder does."""
    sighting = sighting or make_sighting_row(
        session, city, captured_at, vehicle_type=vehicle_type, plate_state=plate_state, plate_text=plate_text
    )
    local = captured_at.astimezone(SHANGHAI)
    record = models.EnforcementRecord(
        record_no=f"{local:%Y%m%d}-{city.segment.code}-{uuid.uuid4().hex[:6].upper()}",
        sighting_id=sighting.id, camera_id=city.camera.id, segment_id=city.segment.id,
        district_id=city.district.id, rule_id=city.rule.id, time_slot_id=city.time_slot.id,
        action="warning", vehicle_type=vehicle_type, plate_state=plate_state, plate_text=plate_text,
        captured_at=captured_at.astimezone(dt.UTC),
        review_deadline=(captured_at + dt.timedelta(days=10)).astimezone(dt.UTC),
        status=status, reasons=["test"], detector_version_id=sighting.detector_version_id,
        created_at=captured_at.astimezone(dt.UTC),
        updated_at=captured_at.astimezone(dt.UTC),
    )
    session.add(record)
    session.flush()
    return record


def detection_sighting(camera_code: str, captured_at: dt.datetime, *, plated: bool = False,
                       keep_images: bool = True) -> SightingSnapshot:
    """A vision-pipeline SightingSnapshot over two real frames one second apart; images dropped when ``keep_images`` is
    False (then the ImageLoader returned by ``frame_loader`` supplies them)."""
    frames = []
    for offset, (index, box) in enumerate(sorted(VEHICLE_BOXES.items())):
        frames.append(EvidenceFrame(
            frame_ref=f"jakarta:{index}", captured_at=captured_at + dt.timedelta(seconds=offset), box_xyxy=box,
            plate_box_xyxy=PLATE_BOX if plated and index == 25 else None,
            image=jakarta_frame(index) if keep_images else None,
        ))
    plate = PlateState("plated", "渝A12345", 0.91) if plated else PlateState("unplated")
    return SightingSnapshot(
        camera=camera_code, track_id=7, first_seen=frames[0].captured_at, last_seen=frames[-1].captured_at,
        vehicle_type="e_tricycle", votes={"e_tricycle": 9}, score=0.82, plate=plate, best=frames[-1],
        panoramas=frames, track=[TrackPoint(f.captured_at, f.box_xyxy, 0.8) for f in frames], moved=True,
    )


class JakartaFrames:
    """The frame store for sightings built by ``detection_sighting``: frame refs name Jakarta frame numbers, and
    the bytes "the camera sent" are the frame's JPEG as the pushed frames of the tests are."""

    def __call__(self, frame: EvidenceFrame) -> np.ndarray:
        return jakarta_frame(int(frame.frame_ref.split(":")[1]))

    def source(self, frame: EvidenceFrame) -> SourceFrame:
        ok, buffer = cv2.imencode(".jpg", self(frame), [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        data = buffer.tobytes()
        return SourceFrame(frame.frame_ref, data, "image/jpeg", hashlib.sha256(data).hexdigest())


frame_loader = JakartaFrames()
