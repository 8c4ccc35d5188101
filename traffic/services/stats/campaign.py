"""Does the campaign work: rectification per segment and slot (with the rebound flag), the supervision ranking, and
the interrupted-time-series estimate of the campaign effect. Definitions: docs/statistics.md."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CitySetting, RestrictionRule
from traffic.errors import Conflict, InvalidInput
from traffic.services.stats.facts import Scope, count, tally
from traffic.services.stats.figures import per_100_camera_hours, ratio
from traffic.services.stats.labels import Labels
from traffic.services.stats.local_time import Period, day_from_number

CAMPAIGN_START_KEY = "campaign_start"
REBOUND_THRESHOLD = 0.2  # a rise of more than 20 % over the previous period ...
REBOUND_MIN_INCREASE = 3  # ... by at least three sightings, so that 1 → 2 is not called a rebound
RANK_BY = ("overdue", "open", "closure_rate", "reviewed_in_time_rate")
MIN_DAYS_EACH_SIDE = 7


def campaign_start(session: Session) -> dt.date | None:
    """The city file's ``campaign_start`` if the city has one, else the earliest rule's ``effective_from``."""
    stored = session.scalar(select(CitySetting.value).where(CitySetting.key == CAMPAIGN_START_KEY))
    if stored:
        try:
            return dt.date.fromisoformat(stored[:10])
        except ValueError:
            pass  # an unreadable value falls back like a missing one
    return session.scalar(select(func.min(RestrictionRule.effective_from)))


def _change_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def is_rebound(baseline: float | None, previous: float | None, current: float | None,
               min_increase: float = REBOUND_MIN_INCREASE) -> bool:
    """Had fallen (previous below baseline) and rises again by more than the threshold and the minimum increase."""
    if baseline is None or previous is None or current is None:
        return False
    return previous < baseline and current > previous * (1 + REBOUND_THRESHOLD) and current - previous >= min_increase


def rectification(session: Session, period: Period, scope: Scope, *, rate: bool = False) -> dict:
    """Sightings per segment and slot: this period, the previous one of equal length and the pre-campaign baseline."""
    start = campaign_start(session)
    periods = {"current": period, "previous": period.previous()}
    if start is not None:
        periods["baseline"] = period.ending_before(start)
    group = ("segment", "time_slot")
    figures: dict[str, dict] = {}
    for name, span in periods.items():
        sightings = count(session, "sightings", span, scope, group)
        if rate:
            minutes = count(session, "exposure", span, scope, group)
            keys = set(sightings) | set(minutes)
            figures[name] = {key: per_100_camera_hours(sightings.get(key, 0), minutes.get(key, 0)) for key in keys}
        else:
            figures[name] = sightings
    labels = Labels(session)
    items = []
    keys = set(figures["current"]) | set(figures["previous"]) | set(figures.get("baseline", {}))
    for key in keys:
        current = figures["current"].get(key, None if rate else 0)
        previous = figures["previous"].get(key, None if rate else 0)
        baseline = figures["baseline"].get(key, None if rate else 0) if "baseline" in figures else None
        segment, slot = (labels.code_and_label(name, value) for name, value in zip(group, key))
        items.append({
            "segment": segment[0], "segment_label": segment[1], "time_slot": slot[0], "time_slot_label": slot[1],
            "current": current, "previous": previous, "baseline": baseline,
            "change_vs_previous_pct": _change_pct(current, previous),
            "change_vs_baseline_pct": _change_pct(current, baseline),
            # With rates a minimum increase of sightings has no meaning: only the relative threshold applies.
            "rebound": is_rebound(baseline, previous, current, 0 if rate else REBOUND_MIN_INCREASE),
        })
    items.sort(key=lambda item: (not item["rebound"], -(item["current"] or 0), item["segment"], item["time_slot"]))
    return {
        "measure": "sightings_per_100_camera_hours" if rate else "sightings",
        "campaign_start": start.isoformat() if start else None,
        "periods": {name: {"from": span.start.isoformat(), "to": span.end.isoformat()} for name, span in periods.items()},
        "rebound_rule": {"threshold_pct": REBOUND_THRESHOLD * 100, "min_increase": REBOUND_MIN_INCREASE},
        "items": items,
    }


def ranking(session: Session, period: Period, scope: Scope, now: dt.datetime, *, order: str = "overdue") -> dict:
    """Districts and units by open and overdue records, closure rate and review timeliness (督查通报)."""
    if order not in RANK_BY:
        raise InvalidInput(f"order must be one of {', '.join(RANK_BY)}")
    labels = Labels(session)
    answer: dict[str, Any] = {"order": order, "unassigned_records": 0}
    for dimension, field in (("district", "districts"), ("unit", "units")):
        rows = []
        for (key,), values in tally(session, "records", period, scope, (dimension,), now=now).items():
            if key is None:  # records not yet assigned belong to no unit: reported apart, not ranked
                answer["unassigned_records"] = values["n"]
                continue
            code, name = labels.code_and_label(dimension, key)
            rows.append({
                "key": code, "label": name, "records": values["n"], "open": values["open"],
                "overdue": values["overdue"], "closure_rate": ratio(values["closed"], values["confirmed"]),
                "reviewed_in_time_rate": ratio(values["reviewed_in_time"], values["review_due"]),
            })
        # Highest first: the most open or overdue work heads the bulletin, or the best closure and timeliness.
        rows.sort(key=lambda row: (row[order] is None, -(row[order] or 0), str(row["key"])))
        for place, row in enumerate(rows, start=1):
            row["rank"] = place
        answer[field] = rows
    return answer


def campaign_effect(session: Session, period: Period, scope: Scope) -> dict:
    """Segmented regression of daily sightings per 100 camera-hours on time, a step and a slope change at the
    campaign start, with Newey–West standard errors (daily counts are autocorrelated) and 95 % intervals."""
    # Each refusal below is about the city's data (its campaign start, the days it processed), not the request's
    # shape: a Conflict (409), so that a request the schema allows is never called invalid.
    start = campaign_start(session)
    if start is None:
        raise Conflict("the city has no campaign start and no rules to take it from")
    if not period.start < start <= period.end:
        raise Conflict(f"the period must contain the campaign start {start.isoformat()} with days on both sides")
    sightings = count(session, "sightings", period, scope, ("day",))
    minutes = count(session, "exposure", period, scope, ("day",))
    days, rates = [], []
    for (day,), camera_minutes in sorted(minutes.items()):
        if camera_minutes > 0:  # a day without processed frames says nothing, least of all "zero vehicles"
            days.append(day_from_number(day))
            rates.append(sightings.get((day,), 0) * 6000 / camera_minutes)
    before = sum(1 for day in days if day < start)
    after = len(days) - before
    if before < MIN_DAYS_EACH_SIDE or after < MIN_DAYS_EACH_SIDE:
        raise Conflict(f"need at least {MIN_DAYS_EACH_SIDE} days with processed frames on each side of the "
                           f"campaign start; have {before} before and {after} after")
    estimate = interrupted_time_series(days, rates, start)
    return {"campaign_start": start.isoformat(), "measure": "sightings_per_100_camera_hours", "days_before": before,
            "days_after": after, **estimate}


def interrupted_time_series(days: list[dt.date], values: list[float], start: dt.date) -> dict:
    """OLS of value = b0 + b1·t + b2·after + b3·(t − t0)·after; Newey–West (Bartlett) covariance."""
    t = np.array([(day - start).days for day in days], dtype=float)
    after = (t >= 0).astype(float)
    x = np.column_stack([np.ones_like(t), t, after, t * after])
    y = np.array(values, dtype=float)
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    residuals = y - x @ beta
    n = len(y)
    lags = int(math.floor(4 * (n / 100) ** (2 / 9)))
    scores = x * residuals[:, None]
    meat = scores.T @ scores
    for lag in range(1, lags + 1):
        weight = 1 - lag / (lags + 1)
        cross = scores[lag:].T @ scores[:-lag]
        meat += weight * (cross + cross.T)
    covariance = xtx_inv @ meat @ xtx_inv * n / max(n - x.shape[1], 1)
    errors = np.sqrt(np.clip(np.diag(covariance), 0, None))
    z = 1.959964  # normal quantile: Newey–West intervals are asymptotic

    def term(index: int) -> dict:
        value = float(beta[index])
        return {"estimate": round(value, 4), "std_error": round(float(errors[index]), 4),
                "ci95": [round(value - z * float(errors[index]), 4), round(value + z * float(errors[index]), 4)]}

    return {"method": "segmented regression, Newey–West standard errors", "lags": lags, "n_days": n,
            "pre_level": term(0), "pre_slope_per_day": term(1), "level_change": term(2),
            "slope_change_per_day": term(3)}
