"""Frame bytes outside the database: a content-addressed store, and the one way to read a frame's bytes.

A pushed frame's bytes are written under their SHA-256 (``ab/cd/<sha256>.jpg``) before its row commits; the row
keeps the hash and that relative path. Two frames with the same bytes share one file. A file is removed only by
retention (traffic.services.retention), and only when no row names it any more. See docs/operations.md.

Two stores keep that contract: a local folder (shared between machines by NFS or the like), and an S3-compatible
bucket (AWS S3, MinIO, Ceph RGW) with the optional extra ``s3`` (boto3). The bucket's credentials come the usual
boto3 way (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an instance role), never from our settings or logs.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

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


def is_frame_key(key: str) -> bool:
    """Whether ``key`` has the store's layout (so no key ever reaches outside the store)."""
    return _KEY.match(key) is not None


def frame_key(sha256: str, content_type: str) -> str:
    """The relative path of bytes with this hash: two levels of fan-out keep folders small."""
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


class LocalFrameStore:
    """A folder (``<data_dir>/frames``); files are written to a temporary name, fsynced, then linked into place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        if not is_frame_key(key):
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
            if not is_frame_key(key):
                continue  # a temporary file of a write in progress, or something that is not ours
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            yield StoredBlob(key, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc))


class S3FrameStore:
    """``s3://bucket/prefix``: an object per frame under ``prefix`` + the frame key. A PUT is atomic (the object
    appears whole or not at all) and durable once it returns, as the local store's fsync and link are."""

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_url(cls, url: str, endpoint_url: str | None = None) -> S3FrameStore:
        import boto3  # the optional extra `s3`

        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"TRAFFIC_FRAME_STORE_URL must look like s3://bucket/prefix, got {url!r}")
        return cls(boto3.client("s3", endpoint_url=endpoint_url), parsed.netloc, parsed.path)

    def _name(self, key: str) -> str:
        if not is_frame_key(key):
            raise ValueError(f"{key!r} is not a frame store key")
        return self.prefix + key

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def put(self, key: str, data: bytes) -> bool:
        existed = self._head(key) is not None
        # Written again when present: same bytes (content-addressed), and a fresh LastModified keeps retention's
        # grace period for a file a new row is about to name.
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        return not existed

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            return 0
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def modified(self, key: str) -> dt.datetime | None:
        head = self._head(key)
        return None if head is None else head["LastModified"].astimezone(dt.timezone.utc)

    def blobs(self) -> Iterator[StoredBlob]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if is_frame_key(key):
                    yield StoredBlob(key, int(item["Size"]), item["LastModified"].astimezone(dt.timezone.utc))


def frame_store(settings) -> BlobStore:
    """The store of a deployment: the bucket of TRAFFIC_FRAME_STORE_URL when set, else ``<TRAFFIC_DATA_DIR>/frames``."""
    if settings.frame_store_url:
        return S3FrameStore.from_url(settings.frame_store_url, settings.frame_store_endpoint)
    return LocalFrameStore(Path(settings.data_dir) / "frames")


def store_frame_bytes(store: BlobStore, data: bytes, content_type: str) -> tuple[str, str]:
    """Write a frame's bytes; (sha256, key) for its row. Call before the row is inserted."""
    sha256 = sha256_hex(data)
    key = frame_key(sha256, content_type)
    store.put(key, data)
    return sha256, key


class StoredFrame(Protocol):
    """Where a frame's bytes are: an IngestFrame row, or the worker's view of one."""

    frame_id: str
    image_path: str
    sha256: str


def read_frame_bytes(store: BlobStore, frame: StoredFrame | str, session: Session | None = None) -> bytes:
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
