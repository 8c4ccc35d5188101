"""SHA-256 of bytes and of files: how evidence, uploads, pulled sources and model weights are identified."""
from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20  # read files a megabyte at a time: model weights and videos do not fit comfortably in memory


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(*paths: Path) -> str:
    """The SHA-256 (64 hex digits) of the contents of ``paths``, read in this order as one stream."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()
