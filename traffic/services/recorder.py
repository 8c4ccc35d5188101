"""The one path from vision events to rows: sightings for every watched vehicle, records for restricted ones."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from detection.types import SightingEvent, SightingSnapshot
from models import EnforcementRecord, IngestFrame, RecordSequence, RestrictionRule, Sighting, TimeSlot, frame_sightings
from models.enums import PlatePresence, RecordEventKind, RecordStatus, SightingStatus
from traffic.db import dialect_insert
from traffic.metrics import RECORDS_CREATED, SIGHTINGS_CREATED, count_on_commit
from traffic.rules.engine import Decision
from traffic.services.cameras import CameraRef
from traffic.services.city import city_review_days
from traffic.services.clock_skew import worst_skew
from traffic.services.evidence import FrameStore
from traffic.services.record_view import event_payload, record_codes, record_view
from traffic.services.rulebook import Rulebook, load_rulebook

PLATED = {PlatePresence.PLATED: True, PlatePresence.UNPLATED: False, PlatePresence.UNKNOWN: None}


class EvidenceWriterLike(Protocol):
    def write_package(self, session: Session, record: EnforcementRecord, sighting: SightingSnapshot,
                      camera: CameraRef, rule_name: str, images: FrameStore) -> list: ...


class EventSink(Protocol):
    def __call__(self, session: Session, kind: str, record: EnforcementRecord, payload: dict) -> object: ...


class RulebookCache:
    """Reloads the rules at most every ``ttl`` seconds, so configuration changes apply without a restart."""

    def __init__(self, default_timezone: str, ttl: float = 30.0) -> None:
        self.default_timezone = default_timezone
        self.ttl = ttl
        self._cached: tuple[float, Rulebook] | None = None
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> Rulebook:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > self.ttl:
                self._cached = (now, load_rulebook(session, self.default_timezone))
            return self._cached[1]


def next_record_number(session: Session, day: dt.date, segment_id: int) -> int:
    """Take the next sequence number of (day, segment) atomically, on SQLite and PostgreSQL alike."""
    stmt = dialect_insert(session, RecordSequence).values(day=day, segment_id=segment_id, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[RecordSequence.day, RecordSequence.segment_id],
        set_={"last": RecordSequence.last + 1},
    ).returning(RecordSequence.last)
    return int(session.execute(stmt).scalar_one())


class Recorder:
    """Upserts one sighting row per track and, when a track ends restricted, one enforcement record."""

    def __init__(
        self,
        rulebook: Callable[[Session], Rulebook],
        evidence: EvidenceWriterLike,
        emit: EventSink,
        *,
        detector_version_id: int | None = None,
        review_days: int = 10,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
    ) -> None:
        self.rulebook = rulebook
        self.evidence = evidence
        self.emit = emit
        self.detector_version_id = detector_version_id  # used when apply is not told which version saw the events
        self.review_days = review_days
        self.clock = clock

    def apply(
        self,
        session: Session,
        camera: CameraRef,
        events: Sequence[SightingEvent],
        *,
        source: str,
        track_prefix: str,
        frame_pk: int | None,
        images: FrameStore,
        detector_version_id: int | None = None,
    ) -> list[Sighting]:
        """Record ``events`` of one camera, seen by the detector version ``detector_version_id``; flushes."""
        version_id = detector_version_id or self.detector_version_id
        if version_id is None and events:
            raise ValueError("the recorder needs the detector version that saw the events")
        touched: dict[int, Sighting] = {}
        for event in events:
            key = f"{track_prefix}:{event.sighting.track_id}"
            row = self._upsert_sighting(session, camera, event.sighting, source, key, version_id)
            if event.kind == "ended" and row.status != SightingStatus.CLOSED:
                row.status = SightingStatus.CLOSED
                self._maybe_record(session, camera, row, event.sighting, images)
            touched[row.id] = row
        if frame_pk is not None and touched:
            linked = set(session.scalars(select(frame_sightings.c.sighting_id).where(frame_sightings.c.frame_id == frame_pk)))
            new = [{"frame_id": frame_pk, "sighting_id": sid} for sid in touched if sid not in linked]
            if new:
                session.execute(frame_sightings.insert(), new)
        session.flush()
        return list(touched.values())

    def _upsert_sighting(
        self, session: Session, camera: CameraRef, vision: SightingSnapshot, source: str, track_key: str,
        version_id: int | None,
    ) -> Sighting:
        row = session.scalar(select(Sighting).where(Sighting.camera_id == camera.id, Sighting.track_key == track_key))
        if row is None:
            row = Sighting(
                camera_id=camera.id,
                segment_id=camera.segment_id,
                district_id=camera.district_id,
                track_key=track_key,
                status=SightingStatus.OPEN,
                source=source,
                detector_version_id=version_id,
                created_at=self.clock(),
            )
            session.add(row)
            count_on_commit(session, SIGHTINGS_CREATED, camera.code)
        row.first_seen = vision.first_seen
        row.last_seen = vision.last_seen
        row.vehicle_type = vision.vehicle_type
        row.votes = dict(vision.votes)
        row.confidence = float(vision.score)
        row.plate_state = vision.plate.state
        row.plate_text = vision.plate.text
        row.plate_confidence = vision.plate.confidence
        row.moved = bool(vision.moved)
        if row.time_slot_id is None:
            slot = self.rulebook(session).covering_slot(vision.first_seen)
            if slot is not None:
                row.time_slot_id = session.scalar(select(TimeSlot.id).where(TimeSlot.code == slot))
        session.flush()
        return row

    def _maybe_record(
        self, session: Session, camera: CameraRef, row: Sighting, vision: SightingSnapshot, images: FrameStore
    ) -> EnforcementRecord | None:
        if session.scalar(select(EnforcementRecord.id).where(EnforcementRecord.sighting_id == row.id)) is not None:
            return None  # one vehicle pass, one record: a replayed end changes nothing
        rulebook = self.rulebook(session)
        decision = rulebook.evaluate(
            segment=camera.segment_code,
            vehicle_type=vision.vehicle_type,
            plated=PLATED[vision.plate.state],
            at=vision.first_seen,
        )
        if not decision.restricted:
            return None
        return self._create_record(session, camera, row, vision, decision, rulebook, images)

    def _create_record(
        self,
        session: Session,
        camera: CameraRef,
        row: Sighting,
        vision: SightingSnapshot,
        decision: Decision,
        rulebook: Rulebook,
        images: FrameStore,
    ) -> EnforcementRecord:
        rule = session.scalar(select(RestrictionRule).where(RestrictionRule.code == decision.rule))
        slot_id = session.scalar(select(TimeSlot.id).where(TimeSlot.code == decision.time_slot))
        row.time_slot_id = slot_id
        local_day = vision.first_seen.astimezone(rulebook.tz).date()
        number = next_record_number(session, local_day, camera.segment_id)
        now = self.clock()
        record = EnforcementRecord(
            record_no=f"{local_day:%Y%m%d}-{camera.segment_code}-{number:04d}",
            sighting_id=row.id,
            camera_id=camera.id,
            segment_id=camera.segment_id,
            district_id=camera.district_id,
            rule_id=rule.id,
            time_slot_id=slot_id,
            action=decision.action,
            vehicle_type=vision.vehicle_type,
            plate_state=vision.plate.state,
            plate_text=vision.plate.text,
            captured_at=vision.first_seen,
            review_deadline=vision.first_seen + dt.timedelta(days=city_review_days(session, self.review_days)),
            status=RecordStatus.PENDING_REVIEW,
            reasons=list(decision.reasons),
            detector_version_id=row.detector_version_id,
            clock_skew_s=evidence_clock_skew(session, camera.id, vision),
            created_at=now,
            updated_at=now,
        )
        session.add(record)
        session.flush()
        count_on_commit(session, RECORDS_CREATED, camera.code)
        self.evidence.write_package(session, record, vision, camera, rule.name, images)
        view = record_view(record, record_codes(session, record))
        self.emit(session, RecordEventKind.CREATED, record, event_payload(view))
        return record


def evidence_clock_skew(session: Session, camera_id: int, vision: SightingSnapshot) -> float | None:
    """The worst flagged clock skew of the pushed frames the evidence shows (their times are what a court reads);
    None for pulled frames, which have no receive time to compare with."""
    refs = {f.frame_ref for f in (*vision.panoramas, vision.best)}
    return worst_skew(session.scalars(select(IngestFrame.clock_skew_s).where(
        IngestFrame.camera_id == camera_id, IngestFrame.frame_id.in_(refs))))
