"""What the push-ingest API answers."""
from __future__ import annotations

import datetime as dt
from pydantic import BaseModel, Field

from models.enums import FrameStatus, PlatePresence, SightingStatus



class FrameAccepted(BaseModel):
    frame_id: str
    status: FrameStatus = Field(description="queued for a new frame; the current status for a repeat")
    duplicate: bool = Field(description="true when this frame had been accepted before; nothing new was done")


class FrameSightingOut(BaseModel):
    id: int
    vehicle_type: str
    plate_state: PlatePresence
    plate_text: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    status: SightingStatus = Field(description="open while the vehicle is tracked, closed once it left")
    record_no: str | None = Field(description="the enforcement record made of this sighting, if any")


class FrameStatusOut(BaseModel):
    frame_id: str
    camera: str
    captured_at: dt.datetime
    received_at: dt.datetime
    status: FrameStatus
    attempts: int
    error: str | None = Field(description="why the frame failed")
    processed_at: dt.datetime | None
    clock_skew_s: float | None = Field(
        default=None, description="captured_at minus received_at in seconds when the camera clock is off standard "
        "time beyond GA/T 832's 1 s (behind: beyond 1 s plus the transit allowance); null when not flagged")
    sightings: list[FrameSightingOut] = Field(description="sightings this frame started, changed or ended (when done)")
