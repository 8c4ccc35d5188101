"""Frame bytes outside the database: a content-addressed store, and the one way to read a frame's bytes.

A pushed frame's bytes are written under their SHA-256 (``ab/cd/<sha256>.jpg``) before its row commits; the row
keeps the hash and that relative path. Two frames with the same bytes share one file. A file is removed only by
retention (traffic.services.retention), and only when no row names it any more. See docs/operations.md.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import IngestFrame
from traffic.digests import sha256_hex
from traffic.errors import NotFound
from traffic.services.evidence_store import EvidenceConflict, write_once

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})\.(jpg|png)$")


class FrameBytesMissing(NotFound):
    """A frame's row exists but its bytes are gone from the store (or no longer match their hash)."""


@dataclass(frozen=True)
class StoredBlob:
    """One file of the store, as the orphan sweep sees it."""

    key: str
    size: int
    modified: dt.datetime


class BlobStore(Protocol):
    """Where frame bytes live. Keys are the relative paths ``frame_key`` makes; values are the exact bytes."""

    def put(self, key: str, data: bytes) -> bool:
        """Store ``data`` durably under ``key`` before returning; False when the same bytes were already there."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; FileNotFoundError when there are none."""

    def delete(self, key: str) -> int:
        """Remove ``key``; the bytes freed (0 when it was not there)."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds bytes."""

    def modified(self, key: str) -> dt.datetime | None:
        """When ``key`` was last written or re-stored (UTC); None when it holds nothing."""

    def blobs(self) -> Iterator[StoredBlob]:
        """Every stored file, for the orphan sweep."""


def frame_key(sha256: str, content_type: str) -> str:
    """The relative path of bytes with this hash: two levels of fan-out keep folders small."""
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


class LocalFrameStore:
    """A folder (``<data_dir>/frames``); files are written to a temporary name, fsynced, then linked into place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"{key!r} is not a frame store key")  # nothing outside the store is ever touched
        return self.root / key

    def put(self, key: str, data: bytes) -> bool:
        path = self.path_of(key)
        try:
            written = write_once(path, data)
        except EvidenceConflict:
            # Content-addressed: a file under this name that does not hash to it is damage, not evidence.
            path.unlink(missing_ok=True)
            written = write_once(path, data)
        if not written:
            # Refresh the time, so retention's grace period protects a file a new row is about to name again.
            os.utime(path)
        return written

    def get(self, key: str) -> bytes:
        return self.path_of(key).read_bytes()

    def delete(self, key: str) -> int:
        path = self.path_of(key)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def modified(self, key: str) -> dt.datetime | None:
        try:
            return dt.datetime.fromtimestamp(self.path_of(key).stat().st_mtime, dt.timezone.utc)
        except FileNotFoundError:
            return None

    def blobs(self) -> Iterator[StoredBlob]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            key = path.relative_to(self.root).as_posix()
            if not _KEY.match(key):
                continue  # a temporary file of a write in progress, or something that is not ours
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            yield StoredBlob(key, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc))


def frame_store(settings) -> LocalFrameStore:
    """The store of a deployment: ``<TRAFFIC_DATA_DIR>/frames`` (an S3-compatible store is not built yet)."""
    return LocalFrameStore(Path(settings.data_dir) / "frames")


def store_frame_bytes(store: BlobStore, data: bytes, content_type: str) -> tuple[str, str]:
    """Write a frame's bytes; (sha256, key) for its row. Call before the row is inserted."""
    sha256 = sha256_hex(data)
    key = frame_key(sha256, content_type)
    store.put(key, data)
    return sha256, key


def read_frame_bytes(store: BlobStore, frame: IngestFrame | str, session: Session | None = None) -> bytes:
    """A frame's bytes as the camera sent them, by row or by frame id (then with a ``session``): the one reader for
    the worker, evidence, pages and exports. NotFound when no such frame; FrameBytesMissing when its file is gone
    or no longer hashes to the row's SHA-256."""
    if isinstance(frame, str):
        if session is None:
            raise TypeError("read_frame_bytes by frame id needs a session")
        row = session.execute(
            select(IngestFrame.frame_id, IngestFrame.image_path, IngestFrame.sha256).where(IngestFrame.frame_id == frame)
        ).first()
        if row is None:
            raise NotFound(f"frame {frame!r} does not exist (or retention removed it)")
        frame_id, key, sha256 = row
    else:
        frame_id, key, sha256 = frame.frame_id, frame.image_path, frame.sha256
    try:
        data = store.get(key)
    except FileNotFoundError:
        raise FrameBytesMissing(f"frame {frame_id!r}: its bytes ({key}) are missing from the frame store") from None
    if sha256_hex(data) != sha256:
        raise FrameBytesMissing(f"frame {frame_id!r}: the stored bytes ({key}) no longer match their SHA-256")
    return data
