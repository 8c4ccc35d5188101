"""Statistics under /api/v1/stats: the period in local dates, the filters, scoped to the caller's districts."""
from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response

from models.enums import RecordStatus, VehicleType
from traffic.api.auth import CurrentActor
from traffic.api.deps import AppSettings, DbSession
from traffic.api.filters import FILTER_ERRORS
from traffic.errors import InvalidInput
from traffic.schemas.city import Code, IsoDate
from traffic.schemas.stats import (
    BreakdownBy,
    BreakdownOut,
    CampaignEffectOut,
    HeatmapOut,
    Interval,
    RankingOut,
    RankOrder,
    RectificationOut,
    SummaryOut,
    TimeseriesOut,
)
from traffic.services.city import city_timezone
from traffic.services.stats import campaign, exports, figures
from traffic.services.stats.facts import StatsFilters, resolve
from traffic.services.stats.local_time import Period

router = APIRouter(prefix="/stats", tags=["statistics"])
# `to` is checked against `from` (not earlier, at most this many days in all): rules that compare the two, which
# the schema cannot state (docs/contract.md).
MAX_PERIOD_DAYS = 3 * 366
# The local days statistics cover: before any campaign could start, and far from the calendar's ends, where a
# period's UTC bounds or the comparison periods before it would fall off Python's date range (a 500, found by the
# long fuzz profile).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
# Figures leave out the rate fields unless asked for them; a filter code may name nothing (404).
FIGURE = {"response_model_exclude_unset": True, "responses": FILTER_ERRORS}
CAMPAIGN_EFFECT_REFUSED = {409: {"description": "Conflict: the city has no campaign start, the period does not "
                                                "contain it, or it has too few days with processed frames on a side"}}


def stats_filters(
    district: Code | None = Query(None, description="district code"),
    segment: Code | None = Query(None, description="road segment code"),
    time_slot: Code | None = Query(None, description="time slot code: sightings in its window, on the day it starts"),
    vehicle_type: VehicleType | None = Query(None),
    camera: Code | None = Query(None, description="camera code"),
    status: RecordStatus | None = Query(None, description="record status (records only)"),
) -> StatsFilters:
    return StatsFilters(district=district, segment=segment, time_slot=time_slot,
                        vehicle_type=vehicle_type.value if vehicle_type else None, camera=camera,
                        status=status.value if status else None)


def local_period(
    session: DbSession,
    settings: AppSettings,
    start: IsoDate = Query(..., alias="from", description=f"first local day (city timezone), inclusive; "
                                                          f"from {FIRST_DAY} on"),
    end: IsoDate = Query(..., alias="to", description=f"last local day, inclusive; not before from, and the period "
                                                      f"at most {MAX_PERIOD_DAYS} days in all; {LAST_DAY} at the latest"),
) -> Period:
    if start < FIRST_DAY or end > LAST_DAY:
        raise InvalidInput(f"statistics cover the days from {FIRST_DAY} to {LAST_DAY}")
    if end < start:
        raise InvalidInput("to must not be earlier than from")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(f"a period is at most {MAX_PERIOD_DAYS} days")
    return Period(start, end, ZoneInfo(city_timezone(session, settings.timezone)))


Filters = Annotated[StatsFilters, Depends(stats_filters)]
LocalPeriod = Annotated[Period, Depends(local_period)]
Rate = Annotated[bool, Query(description="also give counts per 100 camera-hours of processed frames")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/summary", summary="Headline figures: sightings, records by status, timeliness, closure, overdue",
            response_model=SummaryOut, **FIGURE)
def summary(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
            rate: Rate = False) -> dict:
    return figures.summary(session, period, resolve(session, filters, actor), _now(), rate=rate)


@router.get("/timeseries", summary="Sightings and records per local hour, day, week (from Monday) or month",
            response_model=TimeseriesOut, **FIGURE)
def timeseries(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
               interval: Interval = Query("day"), rate: Rate = False) -> dict:
    return figures.timeseries(session, period, resolve(session, filters, actor), interval, rate=rate)


@router.get("/breakdown", summary="Sightings and records by one dimension, or two for a cross table",
            response_model=BreakdownOut, **FIGURE)
def breakdown(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
              by: BreakdownBy = Query(..., description="one dimension, or two different ones separated by a comma "
                                                         "(a cross table)"),
              rate: Rate = False) -> dict:
    return figures.breakdown(session, period, resolve(session, filters, actor), figures.parse_dimensions(by),
                             rate=rate)


@router.get("/heatmap", summary="Segment × hour of the week (Monday 00:00 first), local time",
            response_model=HeatmapOut, **FIGURE)
def heatmap(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
            rate: Rate = False) -> dict:
    return figures.heatmap(session, period, resolve(session, filters, actor), rate=rate)


@router.get("/rectification", summary="Per segment and slot: against the previous period and the baseline; rebounds",
            response_model=RectificationOut, **FIGURE)
def rectification(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
                  rate: Rate = False) -> dict:
    return campaign.rectification(session, period, resolve(session, filters, actor), rate=rate)


@router.get("/ranking", summary="Districts and units by open and overdue records, closure and review timeliness",
            response_model=RankingOut, **FIGURE)
def ranking(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters,
            order: RankOrder = Query("overdue"),
            ) -> dict:
    return campaign.ranking(session, period, resolve(session, filters, actor), _now(), order=order)


@router.get("/campaign-effect", summary="Interrupted time series: level and slope change at the campaign start",
            response_model=CampaignEffectOut, response_model_exclude_unset=True,
            responses=FILTER_ERRORS | CAMPAIGN_EFFECT_REFUSED)
def campaign_effect(session: DbSession, actor: CurrentActor, period: LocalPeriod, filters: Filters) -> dict:
    return campaign.campaign_effect(session, period, resolve(session, filters, actor))


@router.get("/export", summary="The work ledger (xlsx, csv) or the rectification report (html, pdf) as a file",
            response_class=Response, responses={200: {"content": {media: {} for media in exports.FORMATS.values()}}, **FILTER_ERRORS})
def export(session: DbSession, settings: AppSettings, actor: CurrentActor, period: LocalPeriod, filters: Filters,
           format: str = Query("xlsx", pattern="^(xlsx|csv|html|pdf)$")) -> Response:
    made = exports.export(session, period, resolve(session, filters, actor), format, _now(), font=settings.cjk_font)
    return Response(made.content, media_type=made.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{made.filename}"'})
