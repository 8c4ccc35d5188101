"""The newest frame a camera sent: what an admin draws the camera's zone on."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import IngestFrame
from traffic.errors import NotFound
from traffic.services.cameras import CameraRef


def latest_frame(session: Session, camera: CameraRef) -> IngestFrame:
    """The camera's most recently captured frame (read its bytes with read_frame_bytes); NotFound when none."""
    frame = session.scalar(select(IngestFrame)
                           .where(IngestFrame.camera_id == camera.id)
                           .order_by(IngestFrame.captured_at.desc(), IngestFrame.id.desc()).limit(1))
    if frame is None:
        raise NotFound(f"camera {camera.code} has not sent a frame yet")
    return frame
