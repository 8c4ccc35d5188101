"""One worker at a time per camera: a lease in the camera's state row, taken atomically and fenced by a token.

Every acquisition gets a fresh token. Writes made under the lease check the token in the same transaction
(`fence`), so a worker that stalled past its lease and lost the camera to another cannot commit stale results.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from models import CameraState
from traffic.db import insert_or_nothing, transaction


class LeaseLost(Exception):
    """The camera's lease expired and another worker took it; this worker's work on it must be abandoned."""


def ensure_state_row(session: Session, camera_id: int) -> None:
    """Create the camera's state row if it has none (insert-or-nothing, safe under concurrency)."""
    session.execute(insert_or_nothing(session, CameraState, {"camera_id": camera_id, "epoch": 0},
                                      [CameraState.camera_id]))


class CameraLeases:
    """Takes, renews, checks and gives back camera leases for one worker."""

    def __init__(self, session_factory: sessionmaker[Session], worker_id: str, lease_s: float) -> None:
        self.session_factory = session_factory
        self.worker_id = worker_id
        self.lease = dt.timedelta(seconds=lease_s)

    def acquire(self, camera_id: int, now: dt.datetime) -> str | None:
        """A fresh token if this worker now holds the camera; None when another worker's lease is still valid or the
        camera is quarantined until after ``now``."""
        token = f"{self.worker_id}/{uuid.uuid4().hex[:12]}"
        with transaction(self.session_factory) as session:
            ensure_state_row(session, camera_id)
            taken = session.execute(
                update(CameraState)
                .where(
                    CameraState.camera_id == camera_id,
                    or_(CameraState.lease_owner.is_(None), CameraState.lease_until < now),
                    or_(CameraState.quarantined_until.is_(None), CameraState.quarantined_until <= now),
                )
                .values(lease_owner=token, lease_until=now + self.lease)
            ).rowcount
        return token if taken == 1 else None

    def fence(self, session: Session, camera_id: int, token: str, now: dt.datetime, **values) -> None:
        """Inside a transaction: renew the lease (and write ``values`` to the state row) or raise LeaseLost."""
        renewed = session.execute(
            update(CameraState)
            .where(CameraState.camera_id == camera_id, CameraState.lease_owner == token)
            .values(lease_until=now + self.lease, **values)
        ).rowcount
        if renewed != 1:
            raise LeaseLost(f"camera #{camera_id}: lease {token} was taken over")

    def release(self, camera_id: int, token: str) -> None:
        """Give the camera back (only if this token still holds it)."""
        with transaction(self.session_factory) as session:
            session.execute(
                update(CameraState)
                .where(CameraState.camera_id == camera_id, CameraState.lease_owner == token)
                .values(lease_owner=None, lease_until=None)
            )
