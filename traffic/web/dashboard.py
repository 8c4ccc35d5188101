"""The statistics dashboard (挂图作战、督查通报): headline figures, the trend, the segment × hour heatmap, the map of
camera sites, rebounds and rankings for a period and filters, within the user's districts.

It calls the same services as /api/v1/stats, with the filters and the period resolved by the API's own functions,
so a figure here is the API's figure. Every figure links into the review queue with the same filters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from models.enums import RecordStatus, VehicleType
from traffic.api.deps import DbSession
from traffic.api.stats import local_period, stats_filters
from traffic.errors import InvalidInput
from traffic.services import review_queue
from traffic.services.stats import campaign, figures
from traffic.services.stats.exports import FORMATS
from traffic.services.stats.facts import resolve
from traffic.services.stats.local_time import Period
from traffic.services.stats.sites import camera_sites, last_record_day, sites_in_scope
from traffic.web import dashboard_charts as charts
from traffic.web.rendering import render
from traffic.web.session import PageActor
from traffic.web.views import city_clock, local_date, vehicle_type_of

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 28
TREND_INTERVALS = ("day", "week")
PLACE_FILTERS = ("district", "segment", "time_slot", "vehicle_type", "camera")
EXPORT_API = "/api/v1/stats/export"


@dataclass(frozen=True)
class DashboardQuery:
    """The dashboard's URL: the stats API's filters and period (empty fields mean "any" or the default)."""

    district: str | None = None
    segment: str | None = None
    time_slot: str | None = None
    vehicle_type: str | None = None
    camera: str | None = None
    since: str | None = Query(None, alias="from")
    until: str | None = Query(None, alias="to")
    interval: str = "day"
    rate: bool = False


class Links:
    """Review-queue and export URLs that carry the dashboard's filters and period; a figure narrows them further."""

    def __init__(self, codes: dict[str, str | None], period: Period) -> None:
        self.base = {name: value for name, value in codes.items() if value}
        self.base |= {"from": period.start.isoformat(), "to": period.end.isoformat()}

    def queue(self, status: str = review_queue.ANY_STATUS, **narrow: str | None) -> str:
        """The queue of the records a figure counts; ``status`` "all" because a figure counts every status."""
        params = self.base | {name: value for name, value in narrow.items() if value is not None}
        return "/review?" + urlencode(params | {"status": status})

    def days(self, first: dt.date, last: dt.date, **narrow: str | None) -> str:
        return self.queue(**narrow, **{"from": first.isoformat(), "to": last.isoformat()})

    def export(self, fmt: str) -> str:
        return f"{EXPORT_API}?" + urlencode(self.base | {"format": fmt})


def _period(request: Request, session, q: DashboardQuery, today: dt.date) -> Period:
    """The API's period (checked by its own rules); by default the last 28 days up to today."""
    end = local_date(q.until) or today
    start = local_date(q.since) or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    return local_period(session, request.app.state.settings, start, end)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: DbSession, actor: PageActor,
                   q: Annotated[DashboardQuery, Depends()]) -> HTMLResponse:
    if q.interval not in TREND_INTERVALS:
        raise InvalidInput(f"interval must be one of {', '.join(TREND_INTERVALS)}")
    clock = city_clock(request, session)
    period = _period(request, session, q, clock.today)
    vehicle = vehicle_type_of(q.vehicle_type)
    filters = stats_filters(district=q.district or None, segment=q.segment or None, time_slot=q.time_slot or None,
                            vehicle_type=vehicle, camera=q.camera or None, status=None)
    scope = resolve(session, filters, actor)  # a place outside the user's districts: 404, as the API answers
    codes = {name: getattr(filters, name) for name in PLACE_FILTERS}
    links = Links(codes, period)
    sites = camera_sites(session, actor.district_ids)
    summary = figures.summary(session, period, scope, clock.now, rate=q.rate)
    return render(request, "dashboard.html", {
        "latest": _latest(session, actor, period, q) if not summary["records"] else None,
        "actor": actor, "period": period, "codes": codes, "rate": q.rate, "interval": q.interval,
        "choices": review_queue.filter_choices(session, actor), "cameras": [(s.code, s.name) for s in sites],
        "vehicle_types": [v.value for v in VehicleType], "intervals": TREND_INTERVALS,
        "summary": summary, "headline": _headline(summary, links),
        "trend": _trend(figures.timeseries(session, period, scope, q.interval, rate=q.rate), period, q, links),
        "heatmap": _heatmap(figures.heatmap(session, period, scope, rate=q.rate), q.rate, links),
        "map": _map(figures.breakdown(session, period, scope, ("camera",), rate=q.rate)["items"],
                    sites_in_scope(sites, scope), q.rate, links, request.app.state.settings.map_tile_url),
        "rebounds": _rebounds(campaign.rectification(session, period, scope, rate=q.rate), links),
        "ranking": _ranking(campaign.ranking(session, period, scope, clock.now), links),
        "exports": [(fmt, links.export(fmt)) for fmt in FORMATS],
    })


def _latest(session, actor, period: Period, q: DashboardQuery) -> dict | None:
    """For a period without records: the same view over the days up to the latest record, if it lies before."""
    last = last_record_day(session, actor.district_ids, period.tz)
    if last is None or last >= period.start:
        return None
    params = {name: value for name, value in vars(q).items() if value and name not in ("since", "until")}
    params |= {"from": (last - dt.timedelta(days=period.days - 1)).isoformat(), "to": last.isoformat()}
    return {"day": last, "href": "/dashboard?" + urlencode(params)}


def _headline(summary: dict, links: Links) -> tuple[list[dict], list[dict]]:
    """The headline figures, each with the queue of the records it counts (sightings: the records among them)."""
    rows = [
        {"key": "sightings", "value": summary["sightings"], "rate": summary.get("sightings_rate"),
         "href": links.queue()},
        {"key": "records", "value": summary["records"], "rate": summary.get("records_rate"), "href": links.queue()},
        {"key": "overdue", "value": summary["overdue"], "href": links.queue(overdue="1"), "alert": True},
        {"key": "reviewed_in_time_rate", "percent": summary["reviewed_in_time_rate"], "href": links.queue()},
        {"key": "closure_rate", "percent": summary["closure_rate"], "href": links.queue(RecordStatus.CLOSED)},
    ]
    statuses = [{"status": status, "value": n, "href": links.queue(status)}
                for status, n in summary["by_status"].items()]
    return rows, statuses


def _trend(series: dict, period: Period, q: DashboardQuery, links: Links) -> dict:
    items = []
    for item in series["items"]:
        first = dt.date.fromisoformat(item["start"][:10])
        last = first + dt.timedelta(days=6 if q.interval == "week" else 0)
        # A week is cut to the period, so the queue holds exactly the records the bucket counts.
        first, last = max(first, period.start), min(last, period.end)
        items.append(item | {"first": first, "last": last, "href": links.days(first, last)})
    measures = ("sightings_rate", "records_rate") if q.rate else ("sightings", "records")
    return {"buckets": items, "measures": measures,
            "charts": [(m, charts.line_chart([i.get(m) for i in items])) for m in measures]}


def _heatmap(heat: dict, rate: bool, links: Links) -> dict:
    field = "sightings_rate" if rate else "sightings"
    highest = max((v or 0 for row in heat["rows"] for v in row[field]), default=0)
    rows = [{"label": row["label"], "key": row["key"], "href": links.queue(segment=row["key"]),
             "sightings": sum(row["sightings"]), "records": sum(row["records"]),
             "cells": [(v, charts.heat_level(v, highest)) for v in row[field]]}
            for row in heat["rows"]]
    return {"rows": rows, "field": field, "levels": range(charts.HEAT_LEVELS + 1)}


def _map(by_camera: list[dict], sites: list, rate: bool, links: Links, tile_url: str | None) -> dict:
    field = "sightings_rate" if rate else "sightings"
    counts = {item["key"]: item for item in by_camera}
    highest = max((counts.get(s.code, {}).get(field) or 0 for s in sites), default=0)
    located = [s for s in sites if s.located]
    frame = charts.map_frame([(s.lat, s.lon) for s in located])
    points = []
    for site in sites:
        item = counts.get(site.code, {})
        point = {"code": site.code, "name": site.name, "value": item.get(field), "sightings": item.get("sightings", 0),
                 "records": item.get("records", 0), "href": links.queue(camera=site.code), "located": site.located}
        if site.located and frame is not None:
            point["x"], point["y"] = frame.project(site.lat, site.lon)
            point["r"] = charts.site_radius(point["value"], highest)
        points.append(point)
    points.sort(key=lambda p: (-(p["value"] or 0), p["code"]))
    return {"frame": frame, "points": points, "field": field,
            "tiles": frame.tiles(tile_url) if frame is not None and tile_url else []}


def _rebounds(rectification: dict, links: Links) -> dict:
    items = [item | {"href": links.queue(segment=item["segment"], time_slot=item["time_slot"])}
             for item in rectification["items"] if item["rebound"]]
    return {"rows": items, "rule": rectification["rebound_rule"], "periods": rectification["periods"],
            "measure": rectification["measure"]}


def _ranking(ranking: dict, links: Links) -> dict:
    tables = []
    for name, dimension in (("districts", "district"), ("units", "unit")):
        rows = [row | {"href": links.queue(**{dimension: row["key"]}),
                       "open_href": links.queue(review_queue.OPEN_STATUSES, **{dimension: row["key"]}),
                       "overdue_href": links.queue(overdue="1", **{dimension: row["key"]})}
                for row in ranking[name]]
        tables.append((name, rows))
    return {"tables": tables, "unassigned": ranking["unassigned_records"]}
