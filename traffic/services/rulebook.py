"""Load the rules, calendar and segment map from the database into the plain values the rule engine takes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import District, Holiday, HolidayKind, RoadSegment, TimeSlot
from traffic.errors import NotFound
from traffic.rules.engine import Calendar, Decision, RuleSpec, SlotSpec, evaluate
from traffic.services import city_repository as repo
from traffic.services.actors import Actor
from traffic.services.city import city_timezone
from traffic.services.scope import within_scope


@dataclass(frozen=True)
class Rulebook:
    """A snapshot of everything the rule engine needs; cheap to query many times."""

    rules: tuple[RuleSpec, ...]
    calendar: Calendar
    tz: ZoneInfo
    district_of_segment: dict[str, str]
    slots: tuple[SlotSpec, ...] = ()

    def covering_slot(self, at: dt.datetime) -> str | None:
        """The first (by code) configured time slot covering ``at``, restricted or not: for statistics."""
        local = at.astimezone(self.tz)
        for slot in sorted(self.slots, key=lambda s: s.code):
            if slot.owning_day(local) is not None:
                return slot.code
        return None

    def evaluate(self, *, segment: str, vehicle_type: str, plated: bool | None, at: dt.datetime) -> Decision:
        if segment not in self.district_of_segment:
            raise NotFound(f"segment {segment!r} does not exist")
        return evaluate(
            self.rules,
            self.calendar,
            segment=segment,
            district=self.district_of_segment[segment],
            vehicle_type=vehicle_type,
            plated=plated,
            at=at,
            tz=self.tz,
        )


def load_rulebook(session: Session, default_timezone: str, actor: Actor | None = None) -> Rulebook:
    """The rulebook; with an ``actor``, segments outside their districts are unknown to it (as if not there)."""
    rules = tuple(
        RuleSpec(
            code=r.code,
            name=r.name,
            vehicle_types=frozenset(r.vehicle_types),
            slots=tuple(SlotSpec(t.code, t.start_minute, t.end_minute) for t in r.time_slots),
            days=r.days if isinstance(r.days, str) else tuple(r.days),
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            grace_until=r.grace_until,
            action=r.action.value if hasattr(r.action, "value") else r.action,
            segments=frozenset(s.code for s in r.segments),
            districts=frozenset(d.code for d in r.districts),
            unplated_only=r.unplated_only,
        )
        for r in repo.list_all(session, repo.RULES)
    )
    holidays = session.execute(select(Holiday.date, Holiday.kind)).all()
    calendar = Calendar(
        holidays=frozenset(d for d, k in holidays if k == HolidayKind.HOLIDAY),
        adjusted_workdays=frozenset(d for d, k in holidays if k == HolidayKind.WORKDAY),
    )
    segment_query = select(RoadSegment.code, District.code).join(District)
    if actor is not None:
        segment_query = segment_query.where(within_scope(RoadSegment.district_id, actor))
    segments = session.execute(segment_query).all()
    return Rulebook(
        rules=rules,
        calendar=calendar,
        tz=ZoneInfo(city_timezone(session, default_timezone)),
        district_of_segment=dict(segments),
        slots=tuple(SlotSpec(t.code, t.start_minute, t.end_minute) for t in session.scalars(select(TimeSlot))),
    )
