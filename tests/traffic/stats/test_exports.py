"""The work ledger (XLSX, CSV) holds exactly the filtered records; the report renders as HTML and as PDF pages with
the Chinese title drawn; `traffic report` writes the same files with the city's data."""
from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from tests.support.databases import fresh_database
from tests.support.stats_data import make_fixed, scoped_actor
from traffic import migrate
from traffic.cli.main import app as cli
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.stats.ledger import COLUMNS

BASE = "/api/v1/stats/export"
WEEK = {"from": "2023-06-05", "to": "2023-06-11"}


@pytest.fixture(autouse=True)
def cjk_font(monkeypatch) -> None:
    """The bundled font package (manimgx-fonts-cjk) where installed; else whatever the evidence font lookup finds
    (it fails clearly when there is none)."""
    try:
        import manimgx_fonts_cjk
    except ImportError:
        pass
    else:
        monkeypatch.setenv("TRAFFIC_CJK_FONT", str(Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"))
    from traffic.services.stats.charts import cjk_face, registered_family
    cjk_face.cache_clear()
    registered_family.cache_clear()


@pytest.fixture()
def fixed(session):
    return make_fixed(session)


def download(client, fmt: str, **params) -> bytes:
    response = client.get(BASE, params={**WEEK, "format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.content


def test_xlsx_ledger_holds_exactly_the_filtered_records(client, act_as, fixed, session) -> None:
    workbook = load_workbook(io.BytesIO(download(client, "xlsx", district="DA")))
    sheet = workbook["工作台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    by_number = {row[0]: row for row in rows[1:]}
    # District DA in the week: the pending record of 06-05 08:00 and the assigned one of 06-11 23:00.
    assert [row[1] for row in rows[1:]] == ["2023-06-05 08:00:00", "2023-06-11 23:00:00"]
    assigned = next(row for row in by_number.values() if row[8] == "已指派")
    assert assigned[2:8] == ("城东区A", "人民路A段", "早高峰", "人民路东口A", "电动三轮车", "无牌")
    assert (assigned[9], assigned[10]) == ("城东中队", "2023-06-15")


def test_ledger_follows_status_and_slot_filters_and_scope(client, act_as, fixed) -> None:
    night = list(csv.reader(io.StringIO(download(client, "csv", time_slot="T-NIGHT").decode("utf-8-sig"))))
    assert night[0] == list(COLUMNS)
    assert [row[1] for row in night[1:]] == ["2023-06-11 23:00:00"]
    closed = list(csv.reader(io.StringIO(download(client, "csv", status="closed").decode("utf-8-sig"))))
    assert [row[8] for row in closed[1:]] == ["已销号"]
    act_as(scoped_actor(fixed.b.district.id))
    scoped = list(csv.reader(io.StringIO(download(client, "csv").decode("utf-8-sig"))))
    assert {row[2] for row in scoped[1:]} == {"城东区B"} and len(scoped) == 3


def _pages(pdf: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    return [document[i].render(scale=1.5).to_pil().convert("L") for i in range(len(document))]


def test_pdf_report_renders_pages_with_the_chinese_title(client, act_as, fixed) -> None:
    pdf = download(client, "pdf")
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf)
    assert len(pages) >= 1
    for page in pages:
        assert np.asarray(page).min() < 100  # something is drawn on every page
    document = pypdfium2.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert "全市三轮车及无牌电动四轮车整治情况报告" in text
    assert "逾期事项" in "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    # The title is drawn, not boxes: its band holds dark pixels spread across the middle of the page.
    top = np.asarray(pages[0])[: pages[0].height // 10]
    dark_columns = np.flatnonzero((top < 128).any(axis=0))
    assert dark_columns.size > 0 and dark_columns[-1] - dark_columns[0] > pages[0].width / 3


def test_html_report_is_self_contained_with_charts(client, act_as, fixed) -> None:
    html = download(client, "html", district="DA").decode()
    assert "<title>城东区A三轮车及无牌电动四轮车整治情况报告</title>" in html
    assert "http://" not in html and "https://" not in html  # opens offline: no CDN, no remote fonts
    charts = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert charts
    image = Image.open(io.BytesIO(base64.b64decode(charts[0]))).convert("L")
    pixels = np.asarray(image)
    assert pixels.min() < 100 and pixels.max() > 200  # a drawn chart, not a blank square
    assert "逾期事项（2）" in html  # the pending and the assigned record of DA


def test_unknown_format_is_refused(client, act_as, fixed) -> None:
    response = client.get(BASE, params={**WEEK, "format": "docx"})
    assert response.status_code == 422


@pytest.fixture()
def committed_city(backend: str, tmp_path: Path, monkeypatch):
    with fresh_database(backend, tmp_path) as url:
        monkeypatch.setenv("TRAFFIC_DATABASE_URL", url)
        monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
        engine = make_engine(url)
        migrate.upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            make_fixed(session)
        yield
        engine.dispose()


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_report_command_writes_the_file(committed_city, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(cli, ["report", "--from", "2023-06-05", "--to", "2023-06-11", "--district", "DB",
                                      "--format", fmt, "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        rows = list(load_workbook(out)["工作台账"].iter_rows(values_only=True))
        assert [row[1] for row in rows[1:]] == ["2023-06-07 07:30:00", "2023-06-07 09:30:00"]
    else:
        assert "城东区B三轮车及无牌电动四轮车整治情况报告" in pypdfium2.PdfDocument(out)[0].get_textpage().get_text_range()


def test_report_command_refuses_an_unknown_district(committed_city, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--from", "2023-06-05", "--to", "2023-06-11", "--district", "NOPE",
                                      "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "district 'NOPE' does not exist" in result.output


def test_a_missing_font_is_named_not_drawn_as_boxes(app, client, act_as, fixed, tmp_path) -> None:
    app.state.settings = app.state.settings.model_copy(update={"cjk_font": tmp_path / "gone.ttf"})
    response = client.get(BASE, params={**WEEK, "format": "pdf"})
    assert response.status_code == 500
    assert response.json()["error"] == "FontNotFound" and "gone.ttf" in response.json()["detail"]
    assert client.get(BASE, params={**WEEK, "format": "csv"}).status_code == 200  # the ledger needs no font
