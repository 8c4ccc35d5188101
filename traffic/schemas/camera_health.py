"""What the camera health route answers."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from models.enums import CameraHealthStatus


class CameraHealthOut(BaseModel):
    camera: str
    status: CameraHealthStatus = Field(
        description="ok; quarantined: set aside after a failure, no worker takes it before retry_at; "
                    "retry_due: retry_at has passed, the next frame tells whether it works again")
    reason: str | None = Field(description="why the camera was quarantined (the last failure)")
    failures: int = Field(ge=0, description="failures in a row; each doubles the wait before the next retry")
    retry_at: dt.datetime | None = Field(description="when workers take the camera again")
    waiting_frames: int = Field(ge=0, description="pushed frames of this camera that wait to be processed")
    last_frame_id: str | None
    last_captured_at: dt.datetime | None
