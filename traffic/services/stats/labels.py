"""Codes and Chinese labels for the keys statistics group by (ids in queries, codes and names in answers)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, District, RecordStatus, RoadSegment, TimeSlot, Unit, VehicleType
from traffic.rules.engine import format_minute

STATUS_LABELS = {
    RecordStatus.PENDING_REVIEW: "待审核", RecordStatus.CONFIRMED: "已确认", RecordStatus.DISMISSED: "已作废",
    RecordStatus.ASSIGNED: "已指派", RecordStatus.ACTIONED: "已处置", RecordStatus.CLOSED: "已销号",
}
VEHICLE_LABELS = {
    VehicleType.E_TRICYCLE.value: "电动三轮车", VehicleType.FUEL_TRICYCLE.value: "燃油三轮车",
    VehicleType.E_FOUR_WHEELER.value: "电动四轮车",
}
WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
UNASSIGNED = "未指派"


class Labels:
    """Looks up (code, label) for the ids of one dimension; loaded once per answer."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._tables: dict[str, dict] = {}

    def _table(self, dimension: str) -> dict:
        if dimension not in self._tables:
            self._tables[dimension] = self._load(dimension)
        return self._tables[dimension]

    def _load(self, dimension: str) -> dict:
        session = self._session
        if dimension == "time_slot":
            return {
                slot_id: (code, f"{name}（{format_minute(start)}–{format_minute(end)}）")
                for slot_id, code, name, start, end in session.execute(
                    select(TimeSlot.id, TimeSlot.code, TimeSlot.name, TimeSlot.start_minute, TimeSlot.end_minute))
            }
        model = {"district": District, "segment": RoadSegment, "camera": Camera, "unit": Unit}.get(dimension)
        if model is None:
            return {}
        return {row_id: (code, name) for row_id, code, name in session.execute(select(model.id, model.code,
                                                                                          model.name))}

    def code_and_label(self, dimension: str, value) -> tuple[object, str]:
        if dimension in ("district", "segment", "camera", "time_slot", "unit"):
            if value is None:
                return None, UNASSIGNED
            return self._table(dimension).get(value, (str(value), str(value)))
        if dimension == "status":
            return value, STATUS_LABELS.get(value, value)
        if dimension == "vehicle_type":
            return value, VEHICLE_LABELS.get(value, value)
        if dimension == "hour_of_day":
            return value, f"{value:02d}时"
        if dimension == "weekday":
            return value, WEEKDAY_LABELS[value]
        raise ValueError(dimension)

    def ids(self, dimension: str) -> list:
        """Every id of a place or slot dimension the city has (so that empty ones can be listed)."""
        return sorted(self._table(dimension))
