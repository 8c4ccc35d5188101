"""One entry for every export (the API and `traffic report` share it): the ledger as XLSX or CSV, the report as
HTML or PDF."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import District
from traffic.errors import InvalidInput
from traffic.services.stats.facts import Scope
from traffic.services.stats.ledger import ledger_csv, ledger_rows, ledger_title, ledger_xlsx
from traffic.services.stats.local_time import Period
from traffic.services.stats.report import STEPS, build_report, render_html

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


class ProgressSink:
    """What a long export tells its caller: how many steps there are, then each one done."""

    def __init__(self, start: Callable[[int], None] | None = None, advance: Callable[[int], None] | None = None):
        self.start = start or (lambda total: None)
        self.advance = advance or (lambda n: None)


def place_name(session: Session, scope: Scope) -> str:
    ids = [scope.district_id] if scope.district_id is not None else sorted(scope.districts or ())
    if not ids:
        return "全市"
    return "、".join(session.scalars(select(District.name).where(District.id.in_(ids)).order_by(District.code)))


def export(session: Session, period: Period, scope: Scope, fmt: str, now: dt.datetime,
           progress: ProgressSink | None = None, font: Path | None = None) -> Export:
    """``font``: the ``cjk_font`` setting for the report (None: the evidence font lookup)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    progress = progress or ProgressSink()
    place = place_name(session, scope)
    stem = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt in ("xlsx", "csv"):
        rows = ledger_rows(session, period, scope)
        progress.start(len(rows))
        if fmt == "csv":
            content = ledger_csv(rows, progress.advance)
        else:
            content = ledger_xlsx(rows, ledger_title(period, place, now.astimezone(period.tz)), progress.advance)
        return Export(content, FORMATS[fmt], f"ledger-{stem}.{fmt}")
    progress.start(len(STEPS) + 1)
    report = build_report(session, period, scope, now, place, step=lambda name: progress.advance(1), font=font)
    if fmt == "html":
        content = render_html(report)
    else:
        from traffic.services.stats.report_pdf import render_pdf  # fpdf2 and the font load only when asked for

        content = render_pdf(report)
    progress.advance(1)
    return Export(content, FORMATS[fmt], f"report-{stem}.{fmt}")
