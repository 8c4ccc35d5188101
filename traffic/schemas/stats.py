"""What each /api/v1/stats route answers, as published in the OpenAPI document (definitions: docs/statistics.md).

The services build plain dicts; these models state their shape exactly. The per-camera-hour figures exist only when
the caller asks for ``rate=true``: the routes leave unset fields out (``response_model_exclude_unset``), so those
fields are optional here, never null placeholders.
"""
from __future__ import annotations

import datetime as dt
from itertools import permutations
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Dimensions a breakdown may group by (the query builder, traffic/services/stats/facts.py, implements each).
DIMENSIONS = ("district", "segment", "time_slot", "vehicle_type", "camera", "status", "unit", "hour_of_day", "weekday")
Dimension = Literal[DIMENSIONS]  # type: ignore[valid-type]
# `by` of a breakdown: one dimension, or two different ones "a,b" (a cross table); listed so the schema states it.
DIMENSION_CHOICES = (*DIMENSIONS, *(f"{first},{second}" for first, second in permutations(DIMENSIONS, 2)))
BreakdownBy = Literal[DIMENSION_CHOICES]  # type: ignore[valid-type]
Interval = Literal["hour", "day", "week", "month"]
RankOrder = Literal["overdue", "open", "closure_rate", "reviewed_in_time_rate"]
Share = Annotated[float | None, Field(ge=0, le=1, description="a share from 0 to 1, four decimals; null when "
                                                                "there is nothing to divide by")]
RATE_DESCRIPTION = "per 100 camera-hours of processed frames; null without any (only with rate=true)"


class StatsOut(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Rates(StatsOut):
    """Added to a figure when the caller asks for rate=true."""

    camera_hours: float | None = Field(None, ge=0, description="processed camera-hours (only with rate=true)")
    sightings_rate: float | None = Field(None, ge=0, description=RATE_DESCRIPTION)
    records_rate: float | None = Field(None, ge=0, description=RATE_DESCRIPTION)


class ByStatus(StatsOut):
    """Records in the period by their status now; every status is listed, zero when none."""

    pending_review: int = Field(ge=0)
    confirmed: int = Field(ge=0)
    dismissed: int = Field(ge=0)
    assigned: int = Field(ge=0)
    actioned: int = Field(ge=0)
    closed: int = Field(ge=0)


class SummaryOut(Rates):
    sightings: int = Field(ge=0)
    records: int = Field(ge=0)
    by_status: ByStatus
    reviewed_in_time_rate: Share
    closure_rate: Share
    overdue: int = Field(ge=0)


class TimeseriesItem(Rates):
    start: str = Field(description="the bucket's first local moment, ISO 8601 with the city's UTC offset then")
    sightings: int = Field(ge=0)
    records: int = Field(ge=0)


class TimeseriesOut(StatsOut):
    interval: Interval
    items: list[TimeseriesItem]


BreakdownKey = str | int | None  # a code, an hour (0-23) or weekday (0 = Monday), a status; null: no unit yet


class BreakdownItem(Rates):
    key: BreakdownKey | list[BreakdownKey] = Field(description="the key, or [first, second] for a cross table")
    label: str
    sightings: int | None = Field(ge=0, description="null when grouping by a record-only dimension (status, unit)")
    records: int = Field(ge=0)


class BreakdownOut(StatsOut):
    by: Dimension | list[Dimension] = Field(description="the dimension, or the two of a cross table")
    items: list[BreakdownItem]


HOURS_OF_WEEK = 168
WeekCells = list[int]
WeekRates = list[float | None]


class HeatmapRow(StatsOut):
    """One segment: 168 cells per list, Monday 00:00–01:00 local time first."""

    key: str = Field(description="segment code")
    label: str
    sightings: WeekCells = Field(min_length=HOURS_OF_WEEK, max_length=HOURS_OF_WEEK)
    records: WeekCells = Field(min_length=HOURS_OF_WEEK, max_length=HOURS_OF_WEEK)
    camera_minutes: WeekCells | None = Field(None, min_length=HOURS_OF_WEEK, max_length=HOURS_OF_WEEK,
                                             description="only with rate=true")
    sightings_rate: WeekRates | None = Field(None, min_length=HOURS_OF_WEEK, max_length=HOURS_OF_WEEK,
                                             description=RATE_DESCRIPTION)
    records_rate: WeekRates | None = Field(None, min_length=HOURS_OF_WEEK, max_length=HOURS_OF_WEEK,
                                           description=RATE_DESCRIPTION)


class HeatmapOut(StatsOut):
    hours: Literal[168]
    week_starts: Literal["monday"]
    rows: list[HeatmapRow]


class PeriodOut(StatsOut):
    from_: dt.date = Field(alias="from", description="first local day, inclusive")
    to: dt.date = Field(description="last local day, inclusive")


class ComparedPeriods(StatsOut):
    current: PeriodOut
    previous: PeriodOut = Field(description="the same number of days just before")
    baseline: PeriodOut | None = Field(None, description="the same number of days before the campaign start; only "
                                                         "when the city has one")


class ReboundRule(StatsOut):
    threshold_pct: float
    min_increase: int = Field(description="sightings; not applied to rates")


Measure = int | float | None  # sightings, or with rate=true per 100 camera-hours (null without exposure)


class RectificationItem(StatsOut):
    segment: str | None
    segment_label: str
    time_slot: str | None
    time_slot_label: str
    current: Measure
    previous: Measure
    baseline: Measure = Field(description="null without a campaign start")
    change_vs_previous_pct: float | None
    change_vs_baseline_pct: float | None
    rebound: bool


class RectificationOut(StatsOut):
    measure: Literal["sightings", "sightings_per_100_camera_hours"]
    campaign_start: dt.date | None
    periods: ComparedPeriods
    rebound_rule: ReboundRule
    items: list[RectificationItem]


class RankRow(StatsOut):
    key: str
    label: str
    records: int = Field(ge=0)
    open: int = Field(ge=0)
    overdue: int = Field(ge=0)
    closure_rate: Share
    reviewed_in_time_rate: Share
    rank: int = Field(ge=1)


class RankingOut(StatsOut):
    order: RankOrder
    unassigned_records: int = Field(ge=0, description="records of no unit yet: reported apart, not ranked")
    districts: list[RankRow]
    units: list[RankRow]


class Estimate(StatsOut):
    estimate: float
    std_error: float = Field(ge=0)
    ci95: list[float] = Field(min_length=2, max_length=2, description="[low, high], normal approximation")


class CampaignEffectOut(StatsOut):
    campaign_start: dt.date
    measure: Literal["sightings_per_100_camera_hours"]
    days_before: int = Field(ge=0)
    days_after: int = Field(ge=0)
    method: str
    lags: int = Field(ge=0, description="Newey–West lags")
    n_days: int = Field(ge=0)
    pre_level: Estimate
    pre_slope_per_day: Estimate
    level_change: Estimate
    slope_change_per_day: Estimate
