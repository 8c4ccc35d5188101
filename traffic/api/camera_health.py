"""Camera health: whether the workers can process a camera, or why it is quarantined."""
from __future__ import annotations

from fastapi import APIRouter

from traffic.api.auth import CurrentActor
from traffic.api.deps import DbSession
from traffic.schemas.camera_health import CameraHealthOut
from traffic.services import city
from traffic.services.camera_health import camera_health
from traffic.services.city_repository import CAMERAS
from traffic.services.utc import utc_now

router = APIRouter(prefix="/cameras", tags=["cameras"])


@router.get("/{code}/health", response_model=CameraHealthOut, summary="Whether the workers can process a camera",
            responses={404: {"description": "unknown camera", "content": {"application/json": {
                "example": {"error": "NotFound", "detail": "camera 'CAM-9' does not exist"}}}}})
def get_camera_health(code: str, session: DbSession, actor: CurrentActor) -> CameraHealthOut:
    city.get(session, CAMERAS, code, actor)  # a camera outside the caller's districts is not there
    return CameraHealthOut(**vars(camera_health(session, code, utc_now())))
