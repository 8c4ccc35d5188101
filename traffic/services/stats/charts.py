"""Report charts drawn by vega-altair and rendered by vl-convert: no browser, no CDN, Chinese in the bundled font."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import altair as alt
import vl_convert
from fontTools.ttLib import TTCollection, TTFont

from traffic.services.evidence_font import find_cjk_font


@lru_cache(maxsize=4)
def cjk_face(override: Path | None = None) -> tuple[Path, int, str]:
    """The CJK font file (the setting ``cjk_font`` wins, as for evidence), the index of its Simplified Chinese face
    in a collection, and that face's family name."""
    path = find_cjk_font(override)
    if path.suffix.lower() in (".ttc", ".otc") or path.name.lower().endswith(".ttc"):
        faces = TTCollection(str(path), lazy=True).fonts
    else:
        faces = [TTFont(str(path), lazy=True)]
    families = [face["name"].getDebugName(1) or "" for face in faces]
    index = next((i for i, family in enumerate(families) if family.endswith(" SC")), 0)
    return path, index, families[index]


@lru_cache(maxsize=4)
def registered_family(override: Path | None = None) -> str:
    """The family name charts use, after telling vl-convert where the font lives (once per process)."""
    path, _, family = cjk_face(override)
    vl_convert.register_font_directory(str(path.parent))
    return family


def trend_chart(daily: list[dict], rate: bool, family: str) -> dict:
    """Daily sightings and records (per 100 camera-hours when ``rate``) as a Vega-Lite spec."""
    measure = ("sightings_rate", "records_rate") if rate else ("sightings", "records")
    names = {"sightings_rate": "过车（每百摄像头小时）", "records_rate": "违法记录（每百摄像头小时）",
             "sightings": "过车", "records": "违法记录"}
    values = [{"日期": item["start"][:10], "指标": names[field], "数值": item[field]}
              for item in daily for field in measure if item.get(field) is not None]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(x=alt.X("日期:T", title="日期", axis=alt.Axis(format="%m-%d")), y=alt.Y("数值:Q", title=None),
                color=alt.Color("指标:N", title=None, legend=alt.Legend(orient="top")))
        .properties(title="每日趋势", width=620, height=220)
    )
    return chart.configure(font=family).to_dict()


def bar_chart(items: list[dict], field: str, title: str, family: str) -> dict:
    values = [{"名称": item["label"], "数值": item[field]} for item in items if item.get(field) is not None]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(y=alt.Y("名称:N", sort="-x", title=None), x=alt.X("数值:Q", title=None))
        .properties(title=title, width=560, height=max(60, 22 * len(values)))
    )
    return chart.configure(font=family).to_dict()


def png(spec: dict) -> bytes:
    """Render a spec whose font was registered by ``registered_family``."""
    return vl_convert.vegalite_to_png(spec, scale=2)
