"""Two districts with units, and records put straight into any lifecycle state, for the lifecycle tests."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import models
from models.enums import RecordStatus
from tests.support.factories import SHANGHAI, City, make_city, make_record

CAPTURED = dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class World:
    """North (the records' district) and south; units U-N1, U-N2 in the north, U-S1 in the south, U-CITY city-wide."""

    north: City
    south: City
    units: dict[str, models.Unit]


def make_world(session) -> World:
    north, south = make_city(session, "N"), make_city(session, "S")
    units = {
        "U-N1": models.Unit(code="U-N1", name="北城交警一中队", district_id=north.district.id),
        "U-N2": models.Unit(code="U-N2", name="北城交警二中队", district_id=north.district.id),
        "U-S1": models.Unit(code="U-S1", name="南城交警一中队", district_id=south.district.id),
        "U-CITY": models.Unit(code="U-CITY", name="市交警支队秩序科", district_id=None),
    }
    session.add_all(units.values())
    session.flush()
    return World(north, south, units)


def record_at(session, world: World, status: RecordStatus, *, city: City | None = None,
              captured_at: dt.datetime = CAPTURED, due_date: dt.date | None = None) -> models.EnforcementRecord:
    """A record in ``status`` with the fields the steps before it would have set (assigned to U-N1 from ASSIGNED on)."""
    record = make_record(session, city or world.north, captured_at, status=status)
    decided = captured_at.astimezone(dt.UTC) + dt.timedelta(hours=1)
    if status != RecordStatus.PENDING_REVIEW:
        record.reviewed_at, record.reviewed_by = decided, "earlier-reviewer"
    if status == RecordStatus.DISMISSED:
        record.dismiss_reason = "duplicate"
    if status in (RecordStatus.ASSIGNED, RecordStatus.ACTIONED, RecordStatus.CLOSED):
        record.unit_id, record.assigned_at = world.units["U-N1"].id, decided
        record.due_date = due_date or dt.date(2099, 1, 1)
    if status in (RecordStatus.ACTIONED, RecordStatus.CLOSED):
        record.action_taken, record.actioned_at = "warning", decided
    if status == RecordStatus.CLOSED:
        record.closed_at = decided
    session.flush()
    return record
