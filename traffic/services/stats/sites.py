"""What the dashboard needs besides the figures: where each camera stands (the map, 挂图作战), and the last day with
records, within what a caller may see."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Camera, EnforcementRecord, RoadSegment
from traffic.services.utc import as_utc
from traffic.services.stats.facts import Scope


@dataclass(frozen=True)
class CameraSite:
    code: str
    name: str
    lat: float | None
    lon: float | None
    camera_id: int
    segment_id: int
    district_id: int

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def camera_sites(session: Session, districts: frozenset[int] | None) -> list[CameraSite]:
    """Every camera in these districts (None: the whole city), by code; those without coordinates included."""
    query = (select(Camera.code, Camera.name, Camera.lat, Camera.lon, Camera.id, Camera.segment_id,
                    RoadSegment.district_id)
             .join(RoadSegment, RoadSegment.id == Camera.segment_id).order_by(Camera.code))
    if districts is not None:
        query = query.where(RoadSegment.district_id.in_(sorted(districts)))
    return [CameraSite(*row) for row in session.execute(query)]


def sites_in_scope(sites: list[CameraSite], scope: Scope) -> list[CameraSite]:
    """The sites a filtered figure covers: the scope's district, segment or camera narrows the caller's sites."""
    return [site for site in sites
            if (scope.district_id is None or site.district_id == scope.district_id)
            and (scope.segment_id is None or site.segment_id == scope.segment_id)
            and (scope.camera_id is None or site.camera_id == scope.camera_id)
            and (scope.districts is None or site.district_id in scope.districts)]


def last_record_day(session: Session, districts: frozenset[int] | None, tz: ZoneInfo) -> dt.date | None:
    """The local day of the latest record in these districts (None: the whole city); None when there is none.
    An empty period offers the days up to it (a demo's or an archive's history lies in the past)."""
    query = select(func.max(EnforcementRecord.captured_at))
    if districts is not None:
        query = query.where(EnforcementRecord.district_id.in_(sorted(districts)))
    latest = session.scalar(query)
    return None if latest is None else as_utc(latest).astimezone(tz).date()
