"""Per-camera ingest keys: issued once, stored only as a SHA-256 hash, checked in constant time."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera
from traffic.errors import Conflict, Forbidden, NotFound, Unauthorized
from traffic.services import audit
from traffic.services.actors import Actor


def hash_key(key: str) -> str:
    """The stored form of a key. A plain hash suffices: keys are 256-bit random tokens, not passwords."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuthenticatedCamera:
    id: int
    code: str


def issue_key(session: Session, code: str, now: dt.datetime | None = None, *, actor: Actor | None = None) -> str:
    """Give camera ``code`` a new random key and return it; the previous key stops working at once.

    With ``actor``, the audit trail notes who issued it and when (never the key or its hash).
    """
    camera = session.scalar(select(Camera).where(Camera.code == code))
    if camera is None:
        raise NotFound(f"camera {code!r} does not exist")
    key = secrets.token_urlsafe(32)
    camera.key_hash = hash_key(key)
    previous = camera.key_issued_at
    camera.key_issued_at = now or dt.datetime.now(dt.timezone.utc)
    session.flush()
    if actor is not None:
        audit.record_change(
            session, actor, entity="camera_key", key=code, action="issue_key", now=camera.key_issued_at,
            before={"key_issued_at": previous.isoformat() if previous else None},
            after={"key_issued_at": camera.key_issued_at.isoformat()},
        )
    return key


def authenticate_camera(session: Session, code: str, key: str | None) -> AuthenticatedCamera:
    """The camera ``code`` if ``key`` is its current key.

    No key or a wrong key: Unauthorized; a key of another camera: Forbidden; unknown camera: NotFound;
    disabled camera: Conflict (its key is right, but it may not send frames now).
    """
    if not key:
        raise Unauthorized("missing X-Camera-Key header")
    row = session.execute(
        select(Camera.id, Camera.code, Camera.key_hash, Camera.enabled).where(Camera.code == code)
    ).first()
    if row is None:
        raise NotFound(f"camera {code!r} does not exist")
    digest = hash_key(key)
    if row.key_hash is None or not hmac.compare_digest(row.key_hash, digest):
        if session.scalar(select(Camera.id).where(Camera.key_hash == digest)) is not None:
            raise Forbidden(f"this key belongs to another camera, not to {code!r}")
        raise Unauthorized(f"wrong key for camera {code!r}")
    if not row.enabled:
        raise Conflict(f"camera {code!r} is disabled")
    return AuthenticatedCamera(row.id, row.code)


def camera_of_key(session: Session, key: str | None) -> AuthenticatedCamera:
    """The camera whose current key this is; Unauthorized for no key, an unknown or an old key."""
    if not key:
        raise Unauthorized("missing X-Camera-Key header")
    row = session.execute(select(Camera.id, Camera.code).where(Camera.key_hash == hash_key(key))).first()
    if row is None:
        raise Unauthorized("unknown camera key")
    return AuthenticatedCamera(row.id, row.code)
