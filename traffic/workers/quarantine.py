"""Quarantine: a camera that cannot be opened or processed is set aside, so the other cameras go on.

Without it one broken camera (say a tracker checkpoint that no longer unpickles after an upgrade) aborted the
worker's round, and the database queue put that camera first again, so every other camera starved. Now the worker
writes the reason into the camera's state row and no worker takes the camera before ``quarantined_until``; each
failure in a row doubles the wait, up to ``camera_retry_max_s``. The first frame it processes lifts the quarantine.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, CameraState

log = logging.getLogger(__name__)
REASON_MAX = 2000
LIFTED = {"quarantined_until": None, "quarantine_reason": None, "failures": 0}
"""State-row values of a camera that works: written with every processed frame."""


def retry_delay(failures: int, first_s: float, max_s: float) -> dt.timedelta:
    """The wait after the ``failures``-th failure in a row: ``first_s``, doubled each time, at most ``max_s``."""
    return dt.timedelta(seconds=min(first_s * 2 ** max(0, failures - 1), max_s))


def describe(exc: BaseException) -> str:
    """The reason shown to operators: the exception's kind and message."""
    return f"{type(exc).__name__}: {exc}"[:REASON_MAX]


def quarantine_values(session: Session, camera_id: int, reason: str, now: dt.datetime, *, first_s: float,
                      max_s: float) -> dict:
    """State-row values that set the camera aside (to be written under its lease), and log why and until when."""
    failures = (session.scalar(select(CameraState.failures).where(CameraState.camera_id == camera_id)) or 0) + 1
    until = now + retry_delay(failures, first_s, max_s)
    code = session.scalar(select(Camera.code).where(Camera.id == camera_id)) or f"#{camera_id}"
    log.error("camera %s quarantined until %s (failure %d in a row; the other cameras go on): %s",
              code, until.isoformat(timespec="seconds"), failures, reason)
    return {"quarantined_until": until, "quarantine_reason": reason[:REASON_MAX], "failures": failures}
