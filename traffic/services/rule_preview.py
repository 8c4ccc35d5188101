"""What a rule change affects: the segments (listed, or inside listed districts) and time slots it covers, and
how that differs from the stored rule of the same code."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import District, RestrictionRule, RoadSegment, TimeSlot, rule_districts, rule_segments, rule_time_slots


@dataclass(frozen=True)
class Coverage:
    segments: dict[str, str]  # code -> name
    time_slots: dict[str, str]


def coverage(session: Session, segment_codes: list[str], district_codes: list[str],
             slot_codes: list[str]) -> Coverage:
    segments = session.execute(
        select(RoadSegment.code, RoadSegment.name).join(District, District.id == RoadSegment.district_id)
        .where(or_(RoadSegment.code.in_(segment_codes), District.code.in_(district_codes)))
        .order_by(RoadSegment.code))
    slots = session.execute(select(TimeSlot.code, TimeSlot.name).where(TimeSlot.code.in_(slot_codes))
                            .order_by(TimeSlot.code))
    return Coverage({code: name for code, name in segments}, {code: name for code, name in slots})


def stored_coverage(session: Session, rule_code: str) -> Coverage | None:
    rule_id = session.scalar(select(RestrictionRule.id).where(RestrictionRule.code == rule_code))
    if rule_id is None:
        return None

    def codes(model, link, column) -> list[str]:
        return list(session.scalars(select(model.code).join(link, column == model.id)
                                    .where(link.c.rule_id == rule_id)))

    return coverage(session, codes(RoadSegment, rule_segments, rule_segments.c.segment_id),
                    codes(District, rule_districts, rule_districts.c.district_id),
                    codes(TimeSlot, rule_time_slots, rule_time_slots.c.time_slot_id))


def preview(session: Session, rule_code: str, segment_codes: list[str], district_codes: list[str],
            slot_codes: list[str]) -> dict[str, list[list[str]]]:
    """Covered segments and slots, and what is added or removed against the stored rule (everything is new for a
    new rule)."""
    after = coverage(session, segment_codes, district_codes, slot_codes)
    before = stored_coverage(session, rule_code) or Coverage({}, {})

    def pairs(names: dict[str, str], codes) -> list[list[str]]:
        return [[code, names[code]] for code in sorted(codes)]

    return {
        "segments": pairs(after.segments, after.segments),
        "time_slots": pairs(after.time_slots, after.time_slots),
        "added_segments": pairs(after.segments, after.segments.keys() - before.segments.keys()),
        "removed_segments": pairs(before.segments, before.segments.keys() - after.segments.keys()),
        "added_time_slots": pairs(after.time_slots, after.time_slots.keys() - before.time_slots.keys()),
        "removed_time_slots": pairs(before.time_slots, before.time_slots.keys() - after.time_slots.keys()),
    }
