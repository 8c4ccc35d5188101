"""SQL for the city's reference data, one handler per entity kind, all keyed by a natural key (code or date)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from models import (
    Camera,
    District,
    EnforcementRecord,
    Holiday,
    RestrictionRule,
    RoadSegment,
    TimeSlot,
    Unit,
    rule_districts,
    rule_segments,
    rule_time_slots,
)
from traffic.errors import NotFound
from traffic.rules.engine import format_minute
from traffic.schemas.city import (
    CameraIn,
    Code,
    DistrictIn,
    HolidayIn,
    IsoDate,
    Location,
    RuleIn,
    SegmentIn,
    TimeSlotIn,
    UnitIn,
)
from traffic.services.actors import Actor
from traffic.services.scope import within_scope

S = TypeVar("S", bound=BaseModel)


@dataclass
class Kind(Generic[S]):
    """How one entity kind maps between its schema and its table."""

    name: str  # singular, used in messages ("segment")
    plural: str  # URL path and city-file section ("segments")
    model: type
    schema: type[S]
    key_field: str = "code"
    key_type: Any = Code  # how the key is written in a URL path

    def query(self) -> Select:
        return select(self.model)

    def key_of(self, data: S) -> Any:
        return getattr(data, self.key_field)

    def order_by(self):
        return getattr(self.model, self.key_field)

    def to_schema(self, obj) -> S:
        raise NotImplementedError

    def fill(self, session: Session, obj, data: S) -> None:
        raise NotImplementedError

    def users(self, session: Session, obj) -> list[str]:
        """Human-readable list of what refers to ``obj`` (a delete must refuse while any exist)."""
        return []

    def scoped(self, query: Select, actor: Actor) -> Select:
        """Only what ``actor`` may see; kinds without a district (time slots, holidays, rules) are city-wide."""
        return query


def _lookup(session: Session, model, code: str, what: str):
    obj = session.scalar(select(model).where(model.code == code))
    if obj is None:
        raise NotFound(f"{what} {code!r} does not exist")
    return obj


def _codes(session: Session, stmt) -> list[str]:
    return list(session.scalars(stmt))


class DistrictKind(Kind[DistrictIn]):
    def to_schema(self, obj: District) -> DistrictIn:
        return DistrictIn(code=obj.code, name=obj.name)

    def fill(self, session, obj: District, data: DistrictIn) -> None:
        obj.code, obj.name = data.code, data.name

    def scoped(self, query: Select, actor: Actor) -> Select:
        return query.where(within_scope(District.id, actor))

    def users(self, session, obj: District) -> list[str]:
        segs = _codes(session, select(RoadSegment.code).where(RoadSegment.district_id == obj.id))
        rules = _codes(
            session,
            select(RestrictionRule.code).join(rule_districts).where(rule_districts.c.district_id == obj.id),
        )
        units = _codes(session, select(Unit.code).where(Unit.district_id == obj.id))
        return [f"segment {c}" for c in segs] + [f"rule {c}" for c in rules] + [f"unit {c}" for c in units]


class SegmentKind(Kind[SegmentIn]):
    def query(self) -> Select:
        return select(RoadSegment).options(selectinload(RoadSegment.district))

    def scoped(self, query: Select, actor: Actor) -> Select:
        return query.where(within_scope(RoadSegment.district_id, actor))

    def to_schema(self, obj: RoadSegment) -> SegmentIn:
        geometry = [tuple(p) for p in obj.geometry] if obj.geometry is not None else None
        return SegmentIn(
            code=obj.code, name=obj.name, district=obj.district.code, road_class=obj.road_class, geometry=geometry
        )

    def fill(self, session, obj: RoadSegment, data: SegmentIn) -> None:
        obj.code, obj.name, obj.road_class = data.code, data.name, data.road_class
        obj.district = _lookup(session, District, data.district, "district")
        obj.geometry = [list(p) for p in data.geometry] if data.geometry is not None else None

    def users(self, session, obj: RoadSegment) -> list[str]:
        cams = _codes(session, select(Camera.code).where(Camera.segment_id == obj.id))
        rules = _codes(
            session, select(RestrictionRule.code).join(rule_segments).where(rule_segments.c.segment_id == obj.id)
        )
        return [f"camera {c}" for c in cams] + [f"rule {c}" for c in rules]


class CameraKind(Kind[CameraIn]):
    def query(self) -> Select:
        return select(Camera).options(selectinload(Camera.segment))

    def scoped(self, query: Select, actor: Actor) -> Select:
        if actor.whole_city:
            return query
        in_scope = select(RoadSegment.id).where(within_scope(RoadSegment.district_id, actor))
        return query.where(Camera.segment_id.in_(in_scope))

    def to_schema(self, obj: Camera) -> CameraIn:
        location = Location(lat=obj.lat, lon=obj.lon) if obj.lat is not None and obj.lon is not None else None
        zone = [tuple(p) for p in obj.zone] if obj.zone is not None else None
        return CameraIn(
            code=obj.code,
            name=obj.name,
            segment=obj.segment.code,
            direction=obj.direction,
            location=location,
            zone=zone,
            enabled=obj.enabled,
        )

    def fill(self, session, obj: Camera, data: CameraIn) -> None:
        obj.code, obj.name, obj.direction, obj.enabled = data.code, data.name, data.direction, data.enabled
        obj.segment = _lookup(session, RoadSegment, data.segment, "segment")
        obj.lat = data.location.lat if data.location else None
        obj.lon = data.location.lon if data.location else None
        obj.zone = [list(p) for p in data.zone] if data.zone is not None else None


class TimeSlotKind(Kind[TimeSlotIn]):
    def to_schema(self, obj: TimeSlot) -> TimeSlotIn:
        return TimeSlotIn(
            code=obj.code, name=obj.name, start=format_minute(obj.start_minute), end=format_minute(obj.end_minute)
        )

    def fill(self, session, obj: TimeSlot, data: TimeSlotIn) -> None:
        obj.code, obj.name = data.code, data.name
        obj.start_minute, obj.end_minute = data.start_minute, data.end_minute

    def users(self, session, obj: TimeSlot) -> list[str]:
        rules = _codes(
            session,
            select(RestrictionRule.code).join(rule_time_slots).where(rule_time_slots.c.time_slot_id == obj.id),
        )
        return [f"rule {c}" for c in rules]


class HolidayKind_(Kind[HolidayIn]):
    def to_schema(self, obj: Holiday) -> HolidayIn:
        return HolidayIn(date=obj.date, kind=obj.kind, name=obj.name)

    def fill(self, session, obj: Holiday, data: HolidayIn) -> None:
        obj.date, obj.kind, obj.name = data.date, data.kind, data.name


class RuleKind(Kind[RuleIn]):
    def query(self) -> Select:
        return select(RestrictionRule).options(
            selectinload(RestrictionRule.segments),
            selectinload(RestrictionRule.districts),
            selectinload(RestrictionRule.time_slots),
        )

    def to_schema(self, obj: RestrictionRule) -> RuleIn:
        return RuleIn(
            code=obj.code,
            name=obj.name,
            vehicle_types=list(obj.vehicle_types),
            unplated_only=obj.unplated_only,
            segments=sorted(s.code for s in obj.segments),
            districts=sorted(d.code for d in obj.districts),
            time_slots=sorted(t.code for t in obj.time_slots),
            days=obj.days,
            effective_from=obj.effective_from,
            effective_to=obj.effective_to,
            grace_until=obj.grace_until,
            action=obj.action,
        )

    def fill(self, session, obj: RestrictionRule, data: RuleIn) -> None:
        obj.code, obj.name, obj.unplated_only = data.code, data.name, data.unplated_only
        obj.vehicle_types = list(data.vehicle_types)
        obj.days = data.days
        obj.effective_from, obj.effective_to, obj.grace_until = data.effective_from, data.effective_to, data.grace_until
        obj.action = data.action
        obj.segments = [_lookup(session, RoadSegment, c, "segment") for c in sorted(data.segments)]
        obj.districts = [_lookup(session, District, c, "district") for c in sorted(data.districts)]
        obj.time_slots = [_lookup(session, TimeSlot, c, "time slot") for c in sorted(data.time_slots)]


class UnitKind(Kind[UnitIn]):
    def to_schema(self, obj: Unit) -> UnitIn:
        # Units have no ORM relationship to their district (a unit may have none): look its code up.
        district = None
        if obj.district_id is not None:
            district = object_session(obj).scalar(select(District.code).where(District.id == obj.district_id))
        return UnitIn(code=obj.code, name=obj.name, district=district)

    def fill(self, session, obj: Unit, data: UnitIn) -> None:
        obj.code, obj.name = data.code, data.name
        obj.district_id = _lookup(session, District, data.district, "district").id if data.district else None

    def scoped(self, query: Select, actor: Actor) -> Select:
        """The units of the actor's districts and the city-level units (which serve every district)."""
        return query.where(or_(Unit.district_id.is_(None), within_scope(Unit.district_id, actor)))

    def users(self, session, obj: Unit) -> list[str]:
        records = _codes(session, select(EnforcementRecord.record_no).where(EnforcementRecord.unit_id == obj.id)
                         .order_by(EnforcementRecord.id).limit(10))
        return [f"record {c}" for c in records]


DISTRICTS = DistrictKind("district", "districts", District, DistrictIn)
SEGMENTS = SegmentKind("segment", "segments", RoadSegment, SegmentIn)
TIME_SLOTS = TimeSlotKind("time slot", "time_slots", TimeSlot, TimeSlotIn)
HOLIDAYS = HolidayKind_("holiday", "holidays", Holiday, HolidayIn, key_field="date", key_type=IsoDate)
CAMERAS = CameraKind("camera", "cameras", Camera, CameraIn)
RULES = RuleKind("rule", "rules", RestrictionRule, RuleIn)
UNITS = UnitKind("unit", "units", Unit, UnitIn)

# Dependency order: a kind only refers to kinds before it. Deletions run in reverse.
KINDS: tuple[Kind, ...] = (DISTRICTS, SEGMENTS, TIME_SLOTS, HOLIDAYS, CAMERAS, RULES, UNITS)


def find(session: Session, kind: Kind, key: Any, actor: Actor | None = None):
    """The entity at ``key``; with an ``actor``, only if they may see it (else None, as if it did not exist)."""
    column = getattr(kind.model, kind.key_field)
    query = kind.query().where(column == key)
    return session.scalar(kind.scoped(query, actor) if actor is not None else query)


def list_all(session: Session, kind: Kind, *, limit: int | None = None, offset: int = 0,
             actor: Actor | None = None) -> list:
    """Every entity of a kind in key order; with an ``actor``, only those they may see."""
    query = kind.scoped(kind.query(), actor) if actor is not None else kind.query()
    stmt = query.order_by(kind.order_by()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count(session: Session, kind: Kind) -> int:
    return session.scalar(select(func.count()).select_from(kind.model)) or 0


def key_exists(session: Session, kind: Kind, key: Any) -> bool:
    column = getattr(kind.model, kind.key_field)
    return bool(session.scalar(select(exists().where(column == key))))
