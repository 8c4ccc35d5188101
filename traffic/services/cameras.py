"""Cameras as the pipeline and the recorder see them: a plain snapshot with their place in the city."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, District, RoadSegment
from traffic.errors import NotFound


@dataclass(frozen=True)
class CameraRef:
    id: int
    code: str
    name: str
    direction: str | None
    enabled: bool
    segment_id: int
    segment_code: str
    segment_name: str
    district_id: int
    district_code: str
    district_name: str
    zone: tuple[tuple[float, float], ...] | None


def _query():
    return (
        select(Camera, RoadSegment, District)
        .join(RoadSegment, Camera.segment_id == RoadSegment.id)
        .join(District, RoadSegment.district_id == District.id)
    )


def _ref(camera: Camera, segment: RoadSegment, district: District) -> CameraRef:
    return CameraRef(
        id=camera.id,
        code=camera.code,
        name=camera.name,
        direction=camera.direction,
        enabled=camera.enabled,
        segment_id=segment.id,
        segment_code=segment.code,
        segment_name=segment.name,
        district_id=district.id,
        district_code=district.code,
        district_name=district.name,
        zone=tuple((float(x), float(y)) for x, y in camera.zone) if camera.zone else None,
    )


def load_camera(session: Session, code: str) -> CameraRef:
    row = session.execute(_query().where(Camera.code == code)).first()
    if row is None:
        raise NotFound(f"camera {code!r} does not exist")
    return _ref(*row)


def load_camera_by_id(session: Session, camera_id: int) -> CameraRef:
    row = session.execute(_query().where(Camera.id == camera_id)).first()
    if row is None:
        raise NotFound(f"camera #{camera_id} does not exist")
    return _ref(*row)


def load_cameras(session: Session) -> list[CameraRef]:
    """Every camera, by code."""
    return [_ref(*row) for row in session.execute(_query().order_by(Camera.code))]
