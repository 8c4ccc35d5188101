"""The rectification report as PDF, laid out with fpdf2 (pure Python wheels: no browser, Pango or Cairo)."""
from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from traffic.services.stats.report import Report, number, percent

FAMILY = "cjk"
HEADER = FontFace(emphasis=None, fill_color=(235, 235, 235))


class _Pages(FPDF):
    def __init__(self, title: str, font: tuple[Path, int, str]) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        path, index, _ = font
        self.add_font(FAMILY, fname=str(path), collection_font_number=index)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 6, f"{self.report_title}　第 {self.page_no()} 页", align="C")


def render_pdf(report: Report) -> bytes:
    pdf = _Pages(report.title, report.font)
    pdf.add_page()
    pdf.set_font(FAMILY, size=18)
    pdf.multi_cell(0, 10, report.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    pdf.cell(0, 6, f"统计期间：{report.period.start} 至 {report.period.end}　"
                   f"生成时间：{report.generated_at:%Y-%m-%d %H:%M}", align="C", new_x="LMARGIN", new_y="NEXT")
    summary = report.summary
    _heading(pdf, "一、总体情况")
    _table(pdf, ("过车", "违法记录", "每百摄像头小时过车", "审核及时率", "销号率", "逾期"), [(
        number(summary["sightings"]), number(summary["records"]), number(summary.get("sightings_rate")),
        percent(summary["reviewed_in_time_rate"]), percent(summary["closure_rate"]), number(summary["overdue"]),
    )])
    pdf.multi_cell(0, 6, f"摄像头有效处理时长 {number(summary.get('camera_hours'))} 小时。比较各期时以每百摄像头小时计，"
                         "摄像头离线不计为整改成效。", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "二、趋势")
    _image(pdf, report.charts.get("trend"))
    _heading(pdf, "三、重点路段与时段")
    _image(pdf, report.charts.get("segments"))
    for caption, items in (("路段", report.top_segments), ("时段", report.top_slots)):
        _table(pdf, (caption, "过车", "违法记录", "每百摄像头小时过车"), [
            (i["label"], number(i["sightings"]), number(i["records"]), number(i.get("sightings_rate"))) for i in items])
    _heading(pdf, "四、反弹情况")
    rule = report.rectification["rebound_rule"]
    pdf.multi_cell(0, 6, f"基线：整治开始（{report.rectification['campaign_start'] or '未设置'}）前同等天数。"
                         f"反弹：曾低于基线、本期又比上期上升超过 {rule['threshold_pct']:.0f}%。",
                   new_x="LMARGIN", new_y="NEXT")
    if report.rebounds:
        _table(pdf, ("路段", "时段", "基线", "上期", "本期", "环比"), [
            (i["segment_label"], i["time_slot_label"], number(i["baseline"]), number(i["previous"]),
             number(i["current"]), f"{number(i['change_vs_previous_pct'])}%") for i in report.rebounds])
    else:
        pdf.cell(0, 6, "本期无反弹路段。", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "五、排名通报")
    for caption, rows in (("区域", report.ranking["districts"]), ("责任单位", report.ranking["units"])):
        _table(pdf, ("名次", caption, "未办结", "逾期", "销号率", "审核及时率"), [
            (str(r["rank"]), r["label"], str(r["open"]), str(r["overdue"]), percent(r["closure_rate"]),
             percent(r["reviewed_in_time_rate"])) for r in rows])
    _heading(pdf, f"六、逾期事项（{report.overdue_total}）")
    if report.overdue_total > len(report.overdue):
        pdf.cell(0, 6, f"列出最早的 {len(report.overdue)} 条，全部见工作台账。", new_x="LMARGIN", new_y="NEXT")
    if report.overdue:
        columns = report.overdue_columns
        keep = [columns.index(name) for name in ("编号", "时间", "路段", "状态", "责任单位", "整改期限")]
        _table(pdf, tuple(columns[i] for i in keep), [tuple(line[i] for i in keep) for line in report.overdue],
               size=7)
    else:
        pdf.cell(0, 6, "无逾期事项。", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=9)


def _image(pdf: FPDF, data: bytes | None) -> None:
    if data:
        pdf.image(io.BytesIO(data), w=pdf.epw)


def _table(pdf: FPDF, header: tuple[str, ...], rows: list[tuple], size: int = 9) -> None:
    pdf.set_font(FAMILY, size=size)
    with pdf.table(headings_style=HEADER, line_height=size * 0.6, text_align="LEFT") as table:
        table.row(header)
        for row in rows:
            table.row([str(value) for value in row])
    pdf.ln(2)
