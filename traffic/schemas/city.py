"""The city's configuration as typed values: one schema serves the city file, the API and exports."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from models.enums import Action, HolidayKind, RoadClass, VehicleType
from traffic.rules.engine import DAY_KINDS, WEEKDAYS

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
START_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
END_CLOCK = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
# Coordinates are numbers, never booleans or strings that happen to parse (strict), within their range.
UnitCoordinate = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
Longitude = Annotated[float, Field(strict=True, ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(strict=True, ge=-90.0, le=90.0)]
UNIQUE_ITEMS = {"uniqueItems": True}
Flag = Annotated[bool, Field(strict=True)]  # true or false, not 0, 1 or "yes"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _date_written_out(value):
    """A date arrives as YYYY-MM-DD (or, from YAML, as a date); pydantic would also read 0 or "0" as 1970-01-01."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("write a date as YYYY-MM-DD")


def _time_written_out(value):
    """A date-time arrives as ISO 8601 text (or a datetime); pydantic would also read a number as Unix seconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("write a time as ISO 8601 text with a UTC offset, e.g. 2023-06-05T07:30:00+08:00")
    return value


def _number_not_text(value):
    """JSON Schema's integer is a number (3 or 3.0); pydantic would also read "3" or true as one."""
    if isinstance(value, str | bool):
        raise ValueError("write a whole number, not text or true/false")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_written_out)]
WholeNumber = Annotated[int, BeforeValidator(_number_not_text)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_time_written_out)]


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
    geometry: list[tuple[Longitude, Latitude]] | None = Field(default=None,
                                                              description="[[lon, lat], ...] along the road")


class Location(Strict):
    lat: Latitude
    lon: Longitude


class CameraIn(Strict):
    code: Code
    name: Name
    segment: Code
    direction: str | None = Field(default=None, max_length=64)
    location: Location | None = None
    zone: list[tuple[UnitCoordinate, UnitCoordinate]] | None = Field(
        default=None, min_length=3,
        description="normalised polygon [[x, y], ...] of at least 3 points with 0 <= x, y <= 1; a box counts by its "
                    "bottom centre",
    )
    enabled: Flag = True


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
    # The patterns publish what the validators below enforce; the validators word the error for a person.
    start: str = Field(json_schema_extra={"pattern": START_CLOCK}, description="HH:MM local time, inclusive")
    end: str = Field(json_schema_extra={"pattern": END_CLOCK},
                     description="HH:MM local time, exclusive; earlier than start crosses midnight; 24:00 allowed; "
                                 "not equal to start")

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
        if self.start_minute == self.end_minute:  # 00:00-24:00 is the whole day, not an empty slot
            raise ValueError("start and end are equal: write 00:00–24:00 for a whole day")
        return self

    @property
    def start_minute(self) -> int:
        return parse_clock(self.start, allow_24=False)

    @property
    def end_minute(self) -> int:
        return parse_clock(self.end, allow_24=True)


class HolidayIn(Strict):
    date: IsoDate
    kind: HolidayKind
    name: str | None = Field(default=None, max_length=200)


class UnitIn(Strict):
    """A responsible unit (责任单位); without a district it is a city-level unit."""

    code: Code
    name: Name
    district: Code | None = None


DaysSpec = (Literal["workdays", "rest_days", "all"]
            | Annotated[list[Weekday], Field(min_length=1, json_schema_extra=UNIQUE_ITEMS)])
# A rule applies somewhere: at least one segment or one district (both may be given).
_SCOPE_IN_SCHEMA = {"anyOf": [{"required": [name], "properties": {name: {"minItems": 1}}}
                              for name in ("segments", "districts")]}


class RuleIn(Strict):
    model_config = ConfigDict(json_schema_extra=_SCOPE_IN_SCHEMA)

    code: Code
    name: Name
    vehicle_types: list[VehicleType] = Field(min_length=1, json_schema_extra=UNIQUE_ITEMS)
    unplated_only: Flag = False
    segments: list[Code] = Field(default_factory=list, json_schema_extra=UNIQUE_ITEMS)
    districts: list[Code] = Field(default_factory=list, json_schema_extra=UNIQUE_ITEMS)
    time_slots: list[Code] = Field(min_length=1, json_schema_extra=UNIQUE_ITEMS)
    days: DaysSpec = "all"
    effective_from: IsoDate
    effective_to: IsoDate | None = Field(default=None, description="the last day; not before effective_from")
    grace_until: IsoDate | None = None
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
    plated: Flag | None
    at: IsoDateTime = Field(description="ISO 8601 with a UTC offset")

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
