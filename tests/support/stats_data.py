"""Small fixed datasets for the statistics tests: two districts, overlapping and midnight-crossing slots, a unit,
records in several states, and processed frames (camera coverage)."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

import models
from models.enums import Role
from tests.support.factories import SHANGHAI, City, make_city, make_record, make_sighting_row
from traffic.services.actors import Actor

ADMIN = Actor(user_id=1, username="admin", role=Role.ADMIN, district_ids=None)


def local(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def add_slot(session: Session, code: str, start: str, end: str) -> models.TimeSlot:
    def minute(text: str) -> int:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    slot = models.TimeSlot(code=code, name=code, start_minute=minute(start), end_minute=minute(end))
    session.add(slot)
    session.flush()
    return slot


def add_frame(session: Session, camera: models.Camera, captured_at: dt.datetime, status: str = "done") -> None:
    at = captured_at.astimezone(dt.UTC)
    session.add(models.IngestFrame(
        frame_id=uuid.uuid4().hex, camera_id=camera.id, captured_at=at, received_at=at, content_type="image/jpeg",
        sha256="0" * 64, size=1, width=1280, height=720, image_path=f"00/00/{'0' * 64}.jpg", status=status, processed_at=at,
    ))


def scoped_actor(*district_ids: int) -> Actor:
    return Actor(user_id=2, username="district-lead", role=Role.SUPERVISOR, district_ids=frozenset(district_ids))


@dataclass
class Fixed:
    a: City
    b: City
    unit: models.Unit
    night: models.TimeSlot
    morning: models.TimeSlot


def make_fixed(session: Session) -> Fixed:
    """The week of Monday 2023-06-05 in Shanghai; expectations are worked out in tests/traffic/stats/test_figures.py.

    Slots: T-PEAK-A and T-PEAK-B 07:00–09:00, T-MORN 06:00–10:00 (overlaps both), T-NIGHT 22:00–06:00 (crosses
    midnight). District DA (city a) and DB (city b).
    """
    a, b = make_city(session, "A"), make_city(session, "B")
    night = add_slot(session, "T-NIGHT", "22:00", "06:00")
    morning = add_slot(session, "T-MORN", "06:00", "10:00")
    unit = models.Unit(code="U-1", name="城东中队", district_id=a.district.id)
    session.add(unit)
    session.flush()

    s1 = make_record(session, a, local("2023-06-05", "08:00"))  # pending, deadline 06-15: overdue
    make_sighting_row(session, a, local("2023-06-05", "23:30"), vehicle_type="fuel_tricycle")
    make_sighting_row(session, a, local("2023-06-06", "01:00"))  # night slot of 06-05
    s4 = make_record(session, a, local("2023-06-11", "23:00"), status="assigned")
    make_sighting_row(session, a, local("2023-06-12", "02:00"))  # after the period, but night slot of 06-11
    make_sighting_row(session, a, local("2023-06-04", "23:59"))  # before the period
    s7 = make_record(session, b, local("2023-06-07", "07:30"), vehicle_type="e_four_wheeler", status="closed")
    s8 = make_record(session, b, local("2023-06-07", "09:30"), status="dismissed")
    s4.reviewed_at, s4.unit_id, s4.due_date = local("2023-06-12", "09:00"), unit.id, dt.date(2023, 6, 15)
    s7.reviewed_at, s7.closed_at = local("2023-06-20", "09:00"), local("2023-06-21", "09:00")  # reviewed late
    s8.reviewed_at = local("2023-06-08", "09:00")
    del s1
    # Camera A processed frames every minute 08:00–08:59 on 06-05 (one camera-hour), twice in the first minute;
    # a failed frame is no coverage.
    for minute in range(60):
        add_frame(session, a.camera, local("2023-06-05", "08:00") + dt.timedelta(minutes=minute, seconds=5))
    add_frame(session, a.camera, local("2023-06-05", "08:00:40"))
    add_frame(session, a.camera, local("2023-06-05", "09:00:10"), status="failed")
    session.flush()
    return Fixed(a, b, unit, night, morning)
