"""Run schemathesis over an ASGI app in-process, the way its CLI does (every phase, every check), and report."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as engine_for

from traffic.api.app import API_PREFIX
from traffic.api.stats import FIRST_DAY, LAST_DAY, MAX_PERIOD_DAYS, router as stats_router
from traffic.services.stats.figures import MAX_BUCKETS

STATS_PREFIX = API_PREFIX + stats_router.prefix


@dataclass(frozen=True)
class FuzzProfile:
    seed: int
    max_examples: int  # per operation and phase; the coverage phase adds its own boundary and edge cases


@dataclass
class FuzzReport:
    cases: int = 0
    operations: set[str] = field(default_factory=set)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, failure title) -> example
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{len(self.failures)} distinct failures and {len(self.errors)} errors in {self.cases} cases"]
        lines += [f"- {op}: {title}\n{example}" for (op, title), example in sorted(self.failures.items())]
        lines += [f"- error: {e}" for e in self.errors]
        return "\n".join(lines)


def fuzz_config(profile: FuzzProfile, headers: dict[str, str]) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": profile.seed,
        "headers": headers,
        "generation": {"mode": "all", "max-examples": profile.max_examples, "database": "none"},
        "checks": {"enabled": True},
    })


def breaks_a_cross_field_rule(case) -> bool:
    """Rules JSON Schema cannot state (one field against another), each enforced by a validator with a 422.

    Only schema-valid (positive) cases are dropped, so schemathesis does not count the 422 as a valid request
    rejected; docs/contract.md lists these rules.
    """
    body = case.body if isinstance(case.body, dict) else {}
    key = (case.path_parameters or {}).get("key")
    if key is not None and key != body.get("code", body.get("date", key)):
        return True  # PUT /<kind>/{key}: the body's key must equal the path's (renaming is refused)
    start, end = body.get("start"), body.get("end")
    if isinstance(start, str) and isinstance(end, str):
        return start == end  # a time slot is never empty (a whole day is 00:00-24:00)
    query = case.query or {}
    if query.get("cursor") is not None:
        return True  # a cursor is opaque: only one the listing issued is valid
    if case.path.startswith(STATS_PREFIX):
        return _breaks_a_stats_period(query)
    if isinstance(query.get("from"), str) and isinstance(query.get("to"), str):
        return not _earlier(query["from"], query["to"])  # from must be earlier than to, as instants
    effective_from, effective_to = body.get("effective_from"), body.get("effective_to")
    return isinstance(effective_from, str) and isinstance(effective_to, str) and effective_to < effective_from


def _breaks_a_stats_period(query: dict) -> bool:
    """Statistics take local days, both inclusive, between FIRST_DAY and LAST_DAY: to not before from, at most
    MAX_PERIOD_DAYS days, and an hourly series at most MAX_BUCKETS hours."""
    try:
        start, end = dt.date.fromisoformat(query["from"]), dt.date.fromisoformat(query["to"])
    except (KeyError, TypeError, ValueError):  # missing or not a date: the schema judges it, not this rule
        return False
    days = (end - start).days + 1
    hourly = query.get("interval") == "hour" and days * 24 > MAX_BUCKETS
    return end < start or days > MAX_PERIOD_DAYS or hourly or start < FIRST_DAY or end > LAST_DAY


def _earlier(first: str, second: str) -> bool:
    try:
        return dt.datetime.fromisoformat(first) < dt.datetime.fromisoformat(second)
    except (TypeError, ValueError):  # naive against aware, or text Python reads differently: no verdict, skip it
        return False


def run_fuzz(app: Any, profile: FuzzProfile, headers: dict[str, str],
             skipped: set[tuple[str, str]] = frozenset()) -> FuzzReport:
    """Fuzz every operation but the ``skipped`` (method, path) pairs, sending ``headers`` with each case."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=fuzz_config(profile, headers))
    for method, path in skipped:
        schema = schema.exclude(method=method, path=path)

    @schema.hook
    def filter_case(context, case) -> bool:  # noqa: ARG001 - the signature schemathesis calls
        positive = case.meta is None or case.meta.generation.mode.is_positive
        return not (positive and breaks_a_cross_field_rule(case))

    report = FuzzReport()
    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _collect(report, event.recorder)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
    return report


def _collect(report: FuzzReport, recorder) -> None:
    report.operations.add(recorder.label)
    report.cases += len(recorder.cases)
    for checks in recorder.checks.values():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                key = (failure.operation or recorder.label, f"{check.name}: {failure.title}")
                report.failures.setdefault(key, f"  {failure.message}\n  {check.failure_info.code_sample}")
