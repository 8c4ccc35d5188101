"""Push ingest over HTTP: cameras post snapshots and ask how their frames' processing went (camera keys only)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request, status
from starlette.concurrency import run_in_threadpool

from traffic.api.deps import DbSession
from traffic.api.upload import FrameUpload, read_frame_upload
from traffic.db import transaction
from traffic.metrics import FRAMES_RECEIVED
from traffic.schemas.city import CODE_PATTERN
from traffic.schemas.ingest import FrameAccepted, FrameSightingOut, FrameStatusOut
from traffic.services.camera_keys import camera_of_key
from traffic.services.clock_skew import ClockCheck
from traffic.services.ingest import (
    AcceptedFrame,
    FrameSubmission,
    check_frame,
    frame_report,
    insert_frame,
    store_checked_bytes,
)

router = APIRouter(prefix="/ingest", tags=["ingest"])

ERROR_RESPONSES = {
    code: {"description": text, "content": {"application/json": {"example": {"error": kind, "detail": "..."}}}}
    for code, kind, text in (
        (401, "Unauthorized", "no X-Camera-Key, or a wrong one"),
        (403, "Forbidden", "the key of another camera"),
        (404, "NotFound", "unknown camera"),
        (409, "Conflict", "the camera is disabled, or frame_id already names a different frame"),
        (413, "PayloadTooLarge", "larger than TRAFFIC_MAX_UPLOAD_BYTES"),
        (422, "InvalidInput", "not a JPEG/PNG or corrupt; captured_at malformed, without offset or in the future"),
    )
}
MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["image", "camera", "captured_at"],
                    "properties": {
                        "image": {"type": "string", "format": "binary", "description": "JPEG or PNG"},
                        "camera": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 64,
                                   "description": "camera code"},
                        "captured_at": {"type": "string", "format": "date-time",
                                        "description": "ISO 8601 with offset, e.g. 2023-06-05T07:30:00.250+08:00"},
                        "frame_id": {"type": "string", "description": "idempotency key; default: SHA-256 of image"},
                    },
                }
            }
        },
    },
    "parameters": [
        {"name": "X-Camera-Key", "in": "header", "required": True, "schema": {"type": "string"},
         "description": "the camera's key from `traffic cameras issue-key CAMERA`"}
    ],
}


@router.post(
    "/frames",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=FrameAccepted,
    responses=ERROR_RESPONSES,
    openapi_extra=MULTIPART_BODY,
    summary="Push one camera snapshot",
)
async def post_frame(upload: Annotated[FrameUpload, Depends(read_frame_upload)], request: Request) -> FrameAccepted:
    """Store the frame durably and queue it for the workers; posting the same frame again does nothing new."""
    # One hop to a worker thread for all the blocking work (a session dependency would add a second one).
    accepted = await run_in_threadpool(_store, request.app, upload)
    return FrameAccepted(frame_id=accepted.frame_id, status=accepted.status, duplicate=accepted.duplicate)


def _store(app: FastAPI, upload: FrameUpload) -> AcceptedFrame:
    settings = app.state.settings
    submission = FrameSubmission(upload.camera, upload.key, upload.captured_at, upload.image, upload.frame_id)
    factory, gate = app.state.session_factory, app.state.ingest_write_gate
    with gate, transaction(factory) as session:  # on SQLite even a read begins IMMEDIATE: take turns here too
        checked = check_frame(session, submission, max_bytes=settings.max_upload_bytes,
                              max_ahead_s=settings.max_capture_ahead_s, now=dt.datetime.now(dt.timezone.utc),
                              clock=ClockCheck.from_settings(settings))
    store_checked_bytes(app.state.frame_store, checked)  # the file first, outside the write gate
    with gate, transaction(factory) as session:
        accepted = insert_frame(session, checked)
    # Committed: durable before the 202, and before any worker hears of it.
    if not accepted.duplicate:
        FRAMES_RECEIVED.labels(upload.camera).inc()
        app.state.frame_announcer.announce(accepted.frame_id, accepted.camera_id)
    return accepted


@router.get("/frames/{frame_id}", response_model=FrameStatusOut,
            summary="How a pushed frame's processing went (the key of the camera that sent it)")
def get_frame(
    frame_id: str,
    session: DbSession,
    x_camera_key: str | None = Header(None, description="the key of the camera that sent the frame"),
) -> FrameStatusOut:
    report = frame_report(session, frame_id, camera_of_key(session, x_camera_key).id)
    return FrameStatusOut(
        frame_id=report.frame_id,
        camera=report.camera,
        captured_at=report.captured_at,
        received_at=report.received_at,
        status=report.status,
        attempts=report.attempts,
        error=report.error,
        processed_at=report.processed_at,
        clock_skew_s=report.clock_skew_s,
        sightings=[FrameSightingOut(**vars(s)) for s in report.sightings],
    )
