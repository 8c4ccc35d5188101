"""Headline figures, time series, breakdowns (one dimension or a cross table) and the segment × hour-of-week heatmap."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from models import RecordStatus
from traffic.errors import InvalidInput
from traffic.schemas.stats import DIMENSIONS
from traffic.services.stats.facts import (
    NOT_FOR_EXPOSURE,
    RECORD_ONLY,
    Scope,
    count,
    tally,
)
from traffic.services.stats.labels import Labels
from traffic.services.stats.local_time import Period, day_from_number, day_number

INTERVALS = ("hour", "day", "week", "month")
MAX_BUCKETS = 5000


def per_100_camera_hours(n: int | None, camera_minutes: int) -> float | None:
    """A count per 100 camera-hours of processed frames; None when no camera processed anything (no exposure)."""
    if n is None or camera_minutes <= 0:
        return None
    return round(n * 6000 / camera_minutes, 4)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def summary(session: Session, period: Period, scope: Scope, now: dt.datetime, *, rate: bool = False) -> dict:
    sightings = sum(count(session, "sightings", period, scope).values())
    by_status = {status.value: 0 for status in RecordStatus}
    outcomes = dict.fromkeys(("n", "reviewed_in_time", "review_due", "closed", "confirmed", "overdue"), 0)
    for (status,), values in tally(session, "records", period, scope, ("status",), now=now).items():
        by_status[status] = values["n"]
        for name in outcomes:
            outcomes[name] += values[name]
    answer: dict[str, Any] = {
        "sightings": sightings,
        "records": outcomes["n"],
        "by_status": by_status,
        "reviewed_in_time_rate": ratio(outcomes["reviewed_in_time"], outcomes["review_due"]),
        "closure_rate": ratio(outcomes["closed"], outcomes["confirmed"]),
        "overdue": outcomes["overdue"],
    }
    if rate:
        minutes = sum(count(session, "exposure", period, scope).values())
        answer |= _rates(sightings, outcomes["n"], minutes)
    return answer


def _rates(sightings: int | None, records: int, minutes: int) -> dict:
    return {
        "camera_hours": round(minutes / 60, 2),
        "sightings_rate": per_100_camera_hours(sightings, minutes),
        "records_rate": per_100_camera_hours(records, minutes),
    }


def _bucket_of(interval: str, key: int) -> Any:
    """The bucket a day number (or, for hours, an hour number) falls in."""
    if interval in ("hour", "day"):
        return key
    if interval == "week":
        return key - (key + 3) % 7  # the Monday
    day = day_from_number(key)
    return (day.year, day.month)


def _bucket_start(interval: str, bucket: Any, period: Period) -> str:
    if interval == "hour":
        local = dt.datetime(1970, 1, 1) + dt.timedelta(hours=bucket)
    elif interval == "month":
        local = dt.datetime(bucket[0], bucket[1], 1)
    else:
        local = dt.datetime.combine(day_from_number(bucket), dt.time())
    return local.replace(tzinfo=period.tz).isoformat()


def period_buckets(interval: str, period: Period) -> list:
    """Every bucket that the period touches, in order."""
    if interval not in INTERVALS:
        raise InvalidInput(f"interval must be one of {', '.join(INTERVALS)}")
    first, last = day_number(period.start), day_number(period.end)
    if interval == "hour":
        keys = range(first * 24, (last + 1) * 24)
    else:
        keys = range(first, last + 1)
    if len(keys) > MAX_BUCKETS:
        raise InvalidInput(f"{len(keys)} {interval} buckets are too many; shorten the period (at most {MAX_BUCKETS})")
    buckets: list = []
    for key in keys:
        bucket = _bucket_of(interval, key)
        if not buckets or buckets[-1] != bucket:
            buckets.append(bucket)
    return buckets


def timeseries(session: Session, period: Period, scope: Scope, interval: str, *, rate: bool = False) -> dict:
    buckets = period_buckets(interval, period)
    group = ("hour",) if interval == "hour" else ("day",)
    totals: dict[str, dict] = {}
    for kind in ("sightings", "records", "exposure") if rate else ("sightings", "records"):
        folded: dict = {}
        for (key,), n in count(session, kind, period, scope, group).items():
            bucket = _bucket_of(interval, key)
            folded[bucket] = folded.get(bucket, 0) + n
        totals[kind] = folded
    # A slot that crosses midnight puts the end of the period's last night into the hours after it.
    extra = sorted((set(totals["sightings"]) | set(totals["records"])) - set(buckets))
    items = []
    for bucket in buckets + extra:
        item = {"start": _bucket_start(interval, bucket, period), "sightings": totals["sightings"].get(bucket, 0),
                "records": totals["records"].get(bucket, 0)}
        if rate:
            item |= _rates(item["sightings"], item["records"], totals["exposure"].get(bucket, 0))
        items.append(item)
    return {"interval": interval, "items": items}


def parse_dimensions(by: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in by.split(",") if name.strip())
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise InvalidInput("by takes one dimension, or two different ones separated by a comma")
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        raise InvalidInput(f"unknown dimension {unknown[0]!r}; use one of {', '.join(DIMENSIONS)}")
    return names


def breakdown(session: Session, period: Period, scope: Scope, by: tuple[str, ...], *, rate: bool = False) -> dict:
    records = count(session, "records", period, scope, by)
    record_only = any(name in RECORD_ONLY for name in by)
    sightings = {} if record_only else count(session, "sightings", period, scope, by)
    exposure_by = tuple(name for name in by if name not in NOT_FOR_EXPOSURE)
    exposure = count(session, "exposure", period, scope, exposure_by) if rate else {}
    labels = Labels(session)
    items = []
    for key in set(records) | set(sightings):
        codes, names = zip(*(labels.code_and_label(name, value) for name, value in zip(by, key)))
        item: dict[str, Any] = {
            "key": codes[0] if len(by) == 1 else list(codes),
            "label": names[0] if len(by) == 1 else " × ".join(names),
            "sightings": None if record_only else sightings.get(key, 0),
            "records": records.get(key, 0),
        }
        if rate:
            exposure_key = tuple(value for name, value in zip(by, key) if name not in NOT_FOR_EXPOSURE)
            item |= _rates(item["sightings"], item["records"], exposure.get(exposure_key, 0))
        items.append((key, item))
    items.sort(key=lambda pair: (-pair[1]["records"], -(pair[1]["sightings"] or 0), str(pair[0])))
    return {"by": list(by) if len(by) > 1 else by[0], "items": [item for _, item in items]}


def heatmap(session: Session, period: Period, scope: Scope, *, rate: bool = False) -> dict:
    """Per segment, 168 cells: Monday 00:00–01:00 first, local time."""
    group = ("segment", "hour_of_week")
    counted = {kind: count(session, kind, period, scope, group)
               for kind in (("sightings", "records", "exposure") if rate else ("sightings", "records"))}
    labels = Labels(session)
    segments = sorted({segment for segment, _ in counted["sightings"]} | {segment for segment, _ in counted["records"]},
                      key=lambda s: labels.code_and_label("segment", s)[0])
    rows = []
    for segment in segments:
        code, name = labels.code_and_label("segment", segment)
        row: dict[str, Any] = {"key": code, "label": name}
        for kind, cells in counted.items():
            field = "camera_minutes" if kind == "exposure" else kind
            row[field] = [cells.get((segment, hour), 0) for hour in range(168)]
        if rate:
            row["sightings_rate"] = [per_100_camera_hours(n, m) for n, m in zip(row["sightings"],
                                                                                 row["camera_minutes"])]
            row["records_rate"] = [per_100_camera_hours(n, m) for n, m in zip(row["records"], row["camera_minutes"])]
        rows.append(row)
    return {"hours": 168, "week_starts": "monday", "rows": rows}
