"""The city's configuration as typed values: one schema serves the city file, the API and exports."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.enums import Action, HolidayKind, RoadClass, VehicleType
from traffic.rules.engine import DAY_KINDS, WEEKDAYS

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class DistrictIn(Strict):
    code: Code
    name: Name


class SegmentIn(Strict):
    code: Code
    name: Name
    district: Code
    road_class: RoadClass
    geometry: list[tuple[float, float]] | None = Field(default=None, description="[[lon, lat], ...] along the road")


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class CameraIn(Strict):
    code: Code
    name: Name
    segment: Code
    direction: str | None = Field(default=None, max_length=64)
    location: Location | None = None
    zone: list[tuple[float, float]] | None = Field(
        default=None, description="normalised polygon [[x, y], ...] with 0 <= x, y <= 1; a box counts by its bottom centre"
    )
    enabled: bool = True

    @field_validator("zone")
    @classmethod
    def _zone_is_polygon(cls, zone):
        if zone is None:
            return zone
        if len(zone) < 3:
            raise ValueError("a zone needs at least 3 points")
        for x, y in zone:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError(f"zone point [{x}, {y}] is outside the normalised range 0..1")
        return zone


def parse_clock(value: str, *, allow_24: bool) -> int:
    """'HH:MM' to minutes since midnight; '24:00' only where allowed (an end)."""
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"time {value!r} must be written HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    total = hours * 60 + minutes
    if minutes > 59 or total > 1440 or (total == 1440 and not allow_24):
        raise ValueError(f"time {value!r} is not a time of day")
    return total


class TimeSlotIn(Strict):
    code: Code
    name: Name
    start: str = Field(description="HH:MM local time, inclusive")
    end: str = Field(description="HH:MM local time, exclusive; earlier than start crosses midnight; 24:00 allowed")

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        parse_clock(value, allow_24=False)
        return value

    @field_validator("end")
    @classmethod
    def _end(cls, value: str) -> str:
        parse_clock(value, allow_24=True)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> TimeSlotIn:
        if parse_clock(self.start, allow_24=False) == parse_clock(self.end, allow_24=True) % 1440:
            raise ValueError("start and end are equal: write 00:00–24:00 for a whole day")
        return self

    @property
    def start_minute(self) -> int:
        return parse_clock(self.start, allow_24=False)

    @property
    def end_minute(self) -> int:
        return parse_clock(self.end, allow_24=True)


class HolidayIn(Strict):
    date: dt.date
    kind: HolidayKind
    name: str | None = Field(default=None, max_length=200)


class UnitIn(Strict):
    """A responsible unit (责任单位); without a district it is a city-level unit."""

    code: Code
    name: Name
    district: Code | None = None


DaysSpec = Literal["workdays", "rest_days", "all"] | list[Weekday]


class RuleIn(Strict):
    code: Code
    name: Name
    vehicle_types: list[VehicleType] = Field(min_length=1)
    unplated_only: bool = False
    segments: list[Code] = Field(default_factory=list)
    districts: list[Code] = Field(default_factory=list)
    time_slots: list[Code] = Field(min_length=1)
    days: DaysSpec = "all"
    effective_from: dt.date
    effective_to: dt.date | None = None
    grace_until: dt.date | None = None
    action: Action

    @field_validator("days")
    @classmethod
    def _days(cls, value):
        if isinstance(value, list):
            if not value:
                raise ValueError(f"days must be one of {', '.join(DAY_KINDS)} or a non-empty list of {WEEKDAYS}")
            if len(set(value)) != len(value):
                raise ValueError("days lists a weekday twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if not self.segments and not self.districts:
            raise ValueError("a rule needs a scope: list segments, districts or both")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is earlier than effective_from")
        for field_name in ("vehicle_types", "segments", "districts", "time_slots"):
            values = getattr(self, field_name)
            if len(set(values)) != len(values):
                raise ValueError(f"{field_name} lists an entry twice")
        return self


class CityConfig(Strict):
    """A whole city file. Every section is optional so that a file may configure part of a city."""

    timezone: str | None = None
    review_days: int | None = Field(default=None, ge=1, le=366, description="days to review a capture; default 10")
    campaign_start: dt.date | None = Field(default=None, description="first day of the campaign (statistics)")
    districts: list[DistrictIn] = Field(default_factory=list)
    segments: list[SegmentIn] = Field(default_factory=list)
    time_slots: list[TimeSlotIn] = Field(default_factory=list)
    holidays: list[HolidayIn] = Field(default_factory=list)
    cameras: list[CameraIn] = Field(default_factory=list)
    rules: list[RuleIn] = Field(default_factory=list)
    units: list[UnitIn] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value):
        if value is None:
            return value
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class EvaluateIn(Strict):
    segment: Code
    vehicle_type: VehicleType
    plated: bool | None
    at: dt.datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("at must carry a UTC offset, e.g. 2023-06-05T07:30:00+08:00")
        return value


class EvaluateOut(BaseModel):
    restricted: bool
    rule: str | None
    time_slot: str | None
    action: Action | None
    reasons: list[str]
