"""Realistic history for the configured city, so that statistics and reports have something to show.

A campaign starts, sightings fall over the following weeks, and on some segments they rise again (rebounds). Every
restricted sighting becomes a record exactly as the rule engine decides, and records are spread over every status
(older ones further along), assigned to units, reviewed by a few reviewers, some late and some overdue. Cameras go
offline for a day or two: those days have neither processed frames nor sightings. All rows go in with bulk inserts.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from models import (
    Camera,
    District,
    EnforcementRecord,
    RecordSequence,
    RestrictionRule,
    RoadSegment,
    Sighting,
    TimeSlot,
    Unit,
)
from models.enums import ActionTaken, DismissReason, RecordStatus
from traffic.errors import Conflict, InvalidInput
from traffic.services.detector_versions import weightless_version
from traffic.services.frame_store import frame_key
from traffic.services.rulebook import Rulebook, load_rulebook
from traffic.services.stats.campaign import campaign_start
from traffic.services.stats.rollup_build import rebuild

REVIEWERS = ("reviewer-zhang", "reviewer-li", "reviewer-wang")
VEHICLES = (("e_tricycle", 0.55), ("fuel_tricycle", 0.2), ("e_four_wheeler", 0.25))
# Relative traffic by local hour: morning and evening peaks, quiet nights.
HOURLY = (1, 1, 1, 1, 1, 2, 4, 9, 10, 7, 6, 6, 6, 6, 6, 7, 8, 10, 9, 6, 4, 3, 2, 1)
BATCH = 5000


@dataclass
class SeedReport:
    sightings: int = 0
    records: int = 0
    frames: int = 0
    units_created: int = 0
    outages: list[str] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        return (f"{self.sightings} sightings, {self.records} records ({statuses}), {self.frames} processed frames, "
                f"{self.units_created} units created, outages: {'; '.join(self.outages) or 'none'}")


@dataclass(frozen=True)
class _Camera:
    id: int
    segment_id: int
    segment_code: str
    district_id: int
    rebounds: bool


def default_period(session: Session) -> tuple[dt.date, dt.date]:
    start = campaign_start(session) or dt.date.today() - dt.timedelta(days=56)
    return start - dt.timedelta(days=28), start + dt.timedelta(days=83)


def seed_history(session: Session, *, records: int, sightings: int | None, start: dt.date, end: dt.date,
                 seed: int, default_timezone: str) -> SeedReport:
    if end < start:
        raise InvalidInput("to must not be earlier than from")
    if records < 0 or (sightings is not None and sightings < records):
        raise InvalidInput("need records ≥ 0 and sightings ≥ records")
    sightings = records * 10 if sightings is None else sightings
    rulebook = load_rulebook(session, default_timezone)
    cameras = _cameras(session)
    if not cameras:
        raise InvalidInput("the city has no cameras: apply a city file first (traffic config apply FILE)")
    taken = session.scalar(select(func.count()).select_from(RecordSequence)
                           .where(RecordSequence.day.between(start, end)))
    if taken:
        raise Conflict(f"records are already numbered between {start} and {end}: seed another period")
    rng = random.Random(seed)
    report = SeedReport()
    history = _History(session, rulebook, cameras, start, end, rng, report,
                       campaign_start(session) or start + (end - start) / 3)
    history.plan_outages()
    history.write_frames()
    units = _units(session, report)
    history.write_sightings_and_records(sightings, records, units)
    rebuild(session, rulebook.tz.key)  # bulk SQL passes the rollup's hook by: count it all again, same transaction
    return report


def _cameras(session: Session) -> list[_Camera]:
    rows = session.execute(
        select(Camera.id, RoadSegment.id, RoadSegment.code, RoadSegment.district_id)
        .join(RoadSegment, RoadSegment.id == Camera.segment_id).where(Camera.enabled.is_(True)).order_by(Camera.code)
    ).all()
    # Every third camera's segment rebounds late in the campaign.
    return [_Camera(cid, sid, code, did, rebounds=i % 3 == 2) for i, (cid, sid, code, did) in enumerate(rows)]


def _units(session: Session, report: SeedReport) -> list[int]:
    """The city's units; a unit per district and a city-level one when it has none yet."""
    existing = list(session.scalars(select(Unit.id)))
    if existing:
        return existing
    districts = session.execute(select(District.id, District.code, District.name)).all()
    rows = [{"code": f"U-{code}", "name": f"{name}交警中队", "district_id": did} for did, code, name in districts]
    rows.append({"code": "U-CITY", "name": "市城市管理综合执法支队", "district_id": None})
    session.execute(insert(Unit), rows)
    report.units_created = len(rows)
    return list(session.scalars(select(Unit.id)))


SEED_NOTE = "seeded demo history (traffic demo seed): no model made these rows"


class _History:
    def __init__(self, session: Session, rulebook: Rulebook, cameras: list[_Camera], start: dt.date, end: dt.date,
                 rng: random.Random, report: SeedReport, campaign: dt.date) -> None:
        self.session, self.rulebook, self.cameras, self.rng, self.report = session, rulebook, cameras, rng, report
        self.days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        self.campaign = campaign
        self.offline: set[tuple[int, dt.date]] = set()
        self.rules = dict(session.execute(select(RestrictionRule.code, RestrictionRule.id)).all())
        self.slots = dict(session.execute(select(TimeSlot.code, TimeSlot.id)).all())
        self.segment_codes = {c.segment_id: c.segment_code for c in cameras}
        # Seeded passes were made by no model: they point to one weightless version row, shown as demo-seed@seed.
        self.detector_version_id = weightless_version(session, "demo-seed", "seed", SEED_NOTE).id

    def plan_outages(self) -> None:
        """Each camera goes offline once for one to three days (in periods of a week or more)."""
        if len(self.days) < 7:
            return
        for camera in self.cameras:
            first, length = self.rng.randrange(len(self.days)), self.rng.randint(1, 3)
            for day in self.days[first:first + length]:
                self.offline.add((camera.id, day))
            self.report.outages.append(f"camera {camera.id} from {self.days[first]} for {length} d")

    def intensity(self, camera: _Camera, day: dt.date) -> float:
        """Traffic of watched vehicles relative to before the campaign: falls after it starts; some rebound."""
        weeks = (day - self.campaign).days / 7
        if weeks < 0:
            return 1.0
        level = max(0.35, 1.0 - 0.16 * weeks)
        if camera.rebounds and weeks >= 7:
            level = min(1.0, level + 0.12 * (weeks - 6))
        return level

    def write_frames(self) -> None:
        """One processed frame per camera-minute while a camera is online (the exposure rates divide by), generated
        inside the database: hundreds of thousands of rows in seconds."""
        for camera in self.cameras:
            run: list[dt.date] = []
            for day in self.days + [None]:
                if day is not None and (camera.id, day) not in self.offline:
                    run.append(day)
                    continue
                if run:
                    self._frames(camera.id, run[0], len(run) * 1440)
                    run = []

    def _frames(self, camera_id: int, first_day: dt.date, minutes: int) -> None:
        start = dt.datetime.combine(first_day, dt.time(0, 0, 7), self.rulebook.tz).astimezone(dt.UTC)
        params = {"camera": camera_id, "count": minutes, "prefix": f"seed:{camera_id}:{first_day:%Y%m%d}:"}
        columns = ("INSERT INTO ingest_frames (frame_id, camera_id, captured_at, received_at, content_type, sha256, "
                   "size, width, height, image_path, status, attempts, processed_at) ")
        if self.session.get_bind().dialect.name == "postgresql":
            at = "CAST(:start AS timestamptz) + n * interval '1 minute'"
            sql = (f"{columns} SELECT :prefix || n, :camera, {at}, {at}, 'image/jpeg', :sha, 0, 1920, 1080, "
                   f":path, 'done', 1, {at} FROM generate_series(0, :count - 1) AS n")
            params["start"] = start
        else:  # the text layout SQLAlchemy stores SQLite timestamps in
            at = "strftime('%Y-%m-%d %H:%M:%S', :start, '+' || n || ' minutes') || '.000000'"
            sql = (f"WITH RECURSIVE m(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM m WHERE n < :count - 1) "
                   f"{columns} SELECT :prefix || n, :camera, {at}, {at}, 'image/jpeg', :sha, 0, 1920, 1080, "
                   f":path, 'done', 1, {at} FROM m")
            params["start"] = start.strftime("%Y-%m-%d %H:%M:%S")
        # History has no pixels: every seeded frame names one path in the frame store that holds no file.
        self.session.execute(text(sql), params | {"sha": "0" * 64, "path": frame_key("0" * 64, "image/jpeg")})
        self.report.frames += minutes

    def _day_weights(self, camera: _Camera) -> list[float]:
        return [0 if (camera.id, day) in self.offline else self.intensity(camera, day) for day in self.days]

    def _moment(self, camera: _Camera, day_weights: list[float]) -> dt.datetime:
        day = self.rng.choices(self.days, weights=day_weights)[0]
        hour = self.rng.choices(range(24), weights=HOURLY)[0]
        local = dt.datetime.combine(day, dt.time(hour), self.rulebook.tz)
        return local + dt.timedelta(seconds=self.rng.randrange(3600))

    def write_sightings_and_records(self, sightings: int, records: int, units: list[int]) -> None:
        """Draw passes until enough restricted and unrestricted ones are found (each judged by the rule engine)."""
        day_weights = {camera.id: self._day_weights(camera) for camera in self.cameras}
        weights = [1.0 if sum(day_weights[camera.id]) else 0.0 for camera in self.cameras]  # offline throughout: none
        if not any(weights):
            raise InvalidInput("every camera is offline throughout the period: choose a longer one")
        plain_left, restricted_left = sightings - records, records
        sighting_rows, pending_records, tries = [], [], 0
        while plain_left or restricted_left:
            tries += 1
            if tries > 200 * (sightings + 10):
                raise InvalidInput(f"the city's rules restrict too few passes to make {records} records; "
                                   f"made {records - restricted_left}")
            camera = self.rng.choices(self.cameras, weights=weights)[0]
            at = self._moment(camera, day_weights[camera.id])
            vehicle = self.rng.choices([v for v, _ in VEHICLES], weights=[w for _, w in VEHICLES])[0]
            plated = self.rng.random() < 0.3
            decision = self.rulebook.evaluate(segment=camera.segment_code, vehicle_type=vehicle, plated=plated, at=at)
            if decision.restricted and not restricted_left or not decision.restricted and not plain_left:
                continue
            row = self._sighting(camera, at, vehicle, plated, len(sighting_rows))
            sighting_rows.append(row)
            if decision.restricted:
                restricted_left -= 1
                pending_records.append((row, decision))
            else:
                plain_left -= 1
        self._write(sighting_rows, pending_records, units)

    def _sighting(self, camera: _Camera, at: dt.datetime, vehicle: str, plated: bool, index: int) -> dict:
        slot = self.rulebook.covering_slot(at)
        utc = at.astimezone(dt.UTC)
        return {
            "camera_id": camera.id, "segment_id": camera.segment_id, "district_id": camera.district_id,
            "time_slot_id": self.slots.get(slot) if slot else None,
            "track_key": f"seed:{self.days[0]:%Y%m%d}:{self.rng.getrandbits(48):012x}:{index}",
            "status": "closed", "source": "push",
            "first_seen": utc, "last_seen": utc + dt.timedelta(seconds=self.rng.randint(2, 9)),
            "vehicle_type": vehicle, "votes": {vehicle: 7}, "confidence": round(self.rng.uniform(0.5, 0.95), 2),
            "plate_state": "plated" if plated else "unplated",
            "plate_text": f"渝A{self.rng.randint(10000, 99999)}" if plated else None,
            "plate_confidence": 0.9 if plated else None, "moved": True,
            "detector_version_id": self.detector_version_id,
            "created_at": utc,
        }

    def _write(self, sighting_rows: list[dict], pending_records: list, units: list[int]) -> None:
        ids = []
        for start in range(0, len(sighting_rows), BATCH):
            chunk = sighting_rows[start:start + BATCH]
            ids += list(self.session.scalars(insert(Sighting).returning(Sighting.id, sort_by_parameter_order=True),
                                             chunk))
        self.report.sightings = len(ids)
        id_of = {id(row): sighting_id for row, sighting_id in zip(sighting_rows, ids)}
        numbers: dict[tuple[dt.date, int], int] = {}
        end = dt.datetime.combine(self.days[-1], dt.time(23, 59), self.rulebook.tz)
        rows = []
        for row, decision in sorted(pending_records, key=lambda pair: pair[0]["first_seen"]):
            local_day = row["first_seen"].astimezone(self.rulebook.tz).date()
            key = (local_day, row["segment_id"])
            numbers[key] = numbers.get(key, 0) + 1
            record = {
                "record_no": f"{local_day:%Y%m%d}-{self.segment_codes[row['segment_id']]}-{numbers[key]:04d}",
                "sighting_id": id_of[id(row)], "camera_id": row["camera_id"], "segment_id": row["segment_id"],
                "district_id": row["district_id"], "rule_id": self.rules[decision.rule],
                "time_slot_id": self.slots[decision.time_slot], "action": decision.action,
                "vehicle_type": row["vehicle_type"], "plate_state": row["plate_state"],
                "plate_text": row["plate_text"], "captured_at": row["first_seen"],
                "review_deadline": row["first_seen"] + dt.timedelta(days=10), "reasons": list(decision.reasons),
                "created_at": row["first_seen"], "updated_at": row["first_seen"], "version": 1,
                "detector_version_id": row["detector_version_id"],
            }
            record |= self._lifecycle(row["first_seen"], end, units)
            self.report.by_status[record["status"]] = self.report.by_status.get(record["status"], 0) + 1
            rows.append(record)
        for start in range(0, len(rows), BATCH):
            self.session.execute(insert(EnforcementRecord), rows[start:start + BATCH])
        self.report.records = len(rows)
        if numbers:
            self.session.execute(insert(RecordSequence), [{"day": day, "segment_id": segment, "last": last}
                                                          for (day, segment), last in numbers.items()])

    def _lifecycle(self, captured: dt.datetime, end: dt.datetime, units: list[int]) -> dict:
        """How far a record got by the end of the history: older ones further, a few stuck (overdue)."""
        rng = self.rng
        age = (end - captured).total_seconds() / 86400
        fields: dict = {"status": RecordStatus.PENDING_REVIEW.value}
        review_after = rng.choice([0.3, 1, 2, 3, 5, 8, 9, 12])  # 12 days: reviewed late
        if age < review_after or rng.random() < 0.04:
            return fields  # not reviewed yet, or forgotten (overdue once its deadline passes)
        reviewed = captured + dt.timedelta(days=review_after)
        fields |= {"reviewed_at": reviewed, "reviewed_by": rng.choice(REVIEWERS), "version": 2}
        if rng.random() < 0.15:
            reason = rng.choice(list(DismissReason)).value
            return fields | {"status": RecordStatus.DISMISSED.value, "dismiss_reason": reason}
        fields["status"] = RecordStatus.CONFIRMED.value
        if age < review_after + 1 or rng.random() < 0.05:
            return fields  # confirmed, waiting for assignment
        assigned = reviewed + dt.timedelta(days=1)
        due = (assigned + dt.timedelta(days=7)).astimezone(self.rulebook.tz).date()
        fields |= {"status": RecordStatus.ASSIGNED.value, "unit_id": rng.choice(units), "assigned_at": assigned,
                   "due_date": due, "version": 3}
        acted_after = rng.choice([1, 2, 4, 6, 10])  # 10 days: past the due date
        if age < review_after + 1 + acted_after or rng.random() < 0.05:
            return fields
        actioned = assigned + dt.timedelta(days=acted_after)
        fields |= {"status": RecordStatus.ACTIONED.value, "action_taken": rng.choice(list(ActionTaken)).value,
                   "actioned_at": actioned, "version": 4}
        if (end - actioned).total_seconds() < 2 * 86400 or rng.random() < 0.1:
            return fields
        return fields | {"status": RecordStatus.CLOSED.value, "closed_at": actioned + dt.timedelta(days=2),
                         "version": 5}
