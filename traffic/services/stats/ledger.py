"""The work ledger (工作台账): one line per enforcement record of the period and filters, as XLSX or CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, District, EnforcementRecord, RoadSegment, TimeSlot, Unit
from models.enums import ActionTaken
from traffic.services.stats.facts import Scope, count
from traffic.services.stats.labels import STATUS_LABELS, VEHICLE_LABELS
from traffic.services.stats.local_time import Period

COLUMNS = ("编号", "时间", "区域", "路段", "时段", "点位", "车型", "号牌", "状态", "责任单位", "整改期限", "处理结果", "审核人")
ACTION_LABELS = {ActionTaken.EDUCATION: "教育劝导", ActionTaken.WARNING: "警告", ActionTaken.PENALTY: "罚款",
                 ActionTaken.IMPOUND: "暂扣"}
PLATE_LABELS = {"unplated": "无牌", "unknown": "未识别"}
CHUNK = 500

Progress = Callable[[int], None]


def ledger_rows(session: Session, period: Period, scope: Scope) -> list[tuple]:
    """Exactly the records the statistics count for this period and these filters, oldest first."""
    return ledger_lines(session, [key[0] for key in count(session, "records", period, scope, ("record",))], period)


def ledger_lines(session: Session, record_ids: list[int], period: Period) -> list[tuple]:
    """Ledger lines of the given records, oldest first, times on the city's clock."""
    ids = sorted(record_ids)
    lines: list[tuple] = []
    for start in range(0, len(ids), CHUNK):
        query = (
            select(EnforcementRecord, District.name, RoadSegment.name, TimeSlot.name, Camera.name, Unit.name)
            .join(District, District.id == EnforcementRecord.district_id)
            .join(RoadSegment, RoadSegment.id == EnforcementRecord.segment_id)
            .join(TimeSlot, TimeSlot.id == EnforcementRecord.time_slot_id)
            .join(Camera, Camera.id == EnforcementRecord.camera_id)
            .outerjoin(Unit, Unit.id == EnforcementRecord.unit_id)
            .where(EnforcementRecord.id.in_(ids[start:start + CHUNK]))
        )
        for record, district, segment, slot, camera, unit in session.execute(query):
            lines.append((record.captured_at, record.record_no, _line(record, period, district, segment, slot,
                                                                       camera, unit)))
    lines.sort(key=lambda line: (line[0], line[1]))
    return [line for _, _, line in lines]


def _line(record: EnforcementRecord, period: Period, district: str, segment: str, slot: str, camera: str,
          unit: str | None) -> tuple:
    plate = record.plate_text or PLATE_LABELS.get(record.plate_state, record.plate_state)
    return (
        record.record_no,
        record.captured_at.astimezone(period.tz).strftime("%Y-%m-%d %H:%M:%S"),
        district, segment, slot, camera,
        VEHICLE_LABELS.get(record.vehicle_type, record.vehicle_type),
        plate,
        STATUS_LABELS.get(record.status, record.status),
        unit or "",
        record.due_date.isoformat() if record.due_date else "",
        ACTION_LABELS.get(record.action_taken, record.action_taken or ""),
        record.reviewed_by or "",
    )


def _ticking(rows: list[tuple], progress: Progress | None) -> Iterator[tuple]:
    for row in rows:
        yield row
        if progress is not None:
            progress(1)


def ledger_csv(rows: list[tuple], progress: Progress | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(_ticking(rows, progress))
    return buffer.getvalue().encode("utf-8-sig")


def ledger_xlsx(rows: list[tuple], title: str, progress: Progress | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "工作台账"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in _ticking(rows, progress):
        sheet.append(row)
    for letter, width in zip("ABCDEFGHIJKLM", (30, 20, 12, 16, 16, 16, 12, 12, 10, 16, 12, 10, 12)):
        sheet.column_dimensions[letter].width = width
    workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_title(period: Period, district: str | None, generated: dt.datetime) -> str:
    place = f"{district} " if district else ""
    return f"{place}工作台账 {period.start.isoformat()} 至 {period.end.isoformat()}（{generated:%Y-%m-%d %H:%M} 导出）"
