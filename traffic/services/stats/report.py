"""The rectification report (整治情况报告): what it contains is gathered here once; HTML and PDF only lay it out."""
from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from sqlalchemy.orm import Session

from traffic.services.stats import campaign, figures
from traffic.services.stats.charts import bar_chart, cjk_face, png, registered_family, trend_chart
from traffic.services.stats.facts import Scope, tally
from traffic.services.stats.ledger import COLUMNS, ledger_lines
from traffic.services.stats.local_time import Period

TOP = 10
OVERDUE_LISTED = 200  # the full list is the ledger; a printed report names the oldest ones
STEPS = ("汇总", "趋势", "路段与时段", "反弹", "排名", "逾期事项", "图表")
TEMPLATE_DIR = Path(__file__).parent / "templates"

Step = Callable[[str], None]


@dataclass
class Report:
    """Everything one report shows; figures are rates per 100 camera-hours where the cameras' coverage is known."""

    title: str
    period: Period
    place: str
    generated_at: dt.datetime
    summary: dict
    daily: list[dict]
    top_segments: list[dict]
    top_slots: list[dict]
    rectification: dict
    rebounds: list[dict]
    ranking: dict
    overdue_columns: tuple[str, ...]
    overdue: list[tuple]
    overdue_total: int
    font: tuple[Path, int, str]  # file, face index in a collection, family name
    charts: dict[str, bytes] = field(default_factory=dict)


def build_report(session: Session, period: Period, scope: Scope, now: dt.datetime, place: str,
                 step: Step | None = None, font: Path | None = None) -> Report:
    """Gather the report; ``step`` is told the name of each part as it starts (the CLI's progress bar); ``font``
    is the ``cjk_font`` setting (None: the lookup evidence uses)."""
    def begin(name: str) -> None:
        if step is not None:
            step(name)

    begin(STEPS[0])
    summary = figures.summary(session, period, scope, now, rate=True)
    begin(STEPS[1])
    daily = figures.timeseries(session, period, scope, "day", rate=True)["items"]
    begin(STEPS[2])
    top_segments = _top(figures.breakdown(session, period, scope, ("segment",), rate=True)["items"])
    top_slots = _top(figures.breakdown(session, period, scope, ("time_slot",), rate=True)["items"])
    begin(STEPS[3])
    rectification = campaign.rectification(session, period, scope, rate=True)
    rebounds = [item for item in rectification["items"] if item["rebound"]]
    begin(STEPS[4])
    ranking = campaign.ranking(session, period, scope, now)
    begin(STEPS[5])
    flags = tally(session, "records", period, scope, ("record",), now=now)
    overdue_ids = sorted(key[0] for key, values in flags.items() if values["overdue"])
    overdue = ledger_lines(session, overdue_ids, period)[:OVERDUE_LISTED]
    report = Report(
        title=f"{place}三轮车及无牌电动四轮车整治情况报告", period=period, place=place,
        generated_at=now.astimezone(period.tz), summary=summary, daily=daily, top_segments=top_segments,
        top_slots=top_slots, rectification=rectification, rebounds=rebounds, ranking=ranking,
        overdue_columns=COLUMNS, overdue=overdue, overdue_total=len(overdue_ids), font=cjk_face(font),
    )
    begin(STEPS[6])
    rate_known = any(item.get("sightings_rate") is not None for item in daily)
    family = registered_family(font)
    report.charts["trend"] = png(trend_chart(daily, rate_known, family))
    if top_segments:
        field_name = "sightings_rate" if rate_known else "sightings"
        report.charts["segments"] = png(bar_chart(top_segments, field_name, "过车最多的路段", family))
    return report


def _top(items: list[dict]) -> list[dict]:
    """The busiest first: by rate where coverage is known, else by count."""
    return sorted(items, key=lambda i: (-(i.get("sightings_rate") or 0), -(i["sightings"] or 0)))[:TOP]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def render_html(report: Report) -> bytes:
    """A self-contained page (charts inline as PNG): opens offline and prints as it looks."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    environment.filters.update(percent=percent, number=number)
    charts = {name: base64.b64encode(data).decode() for name, data in report.charts.items()}
    return environment.get_template("report.html").render(report=report, charts=charts).encode()
