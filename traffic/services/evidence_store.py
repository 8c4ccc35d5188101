"""Write-once files: evidence is published atomically under its final name and never replaced.

A file is first written to a hidden temporary name opened with mode ``xb``, flushed to disk, then hard-linked to its
final name; ``link`` fails when the name exists, so nothing is ever overwritten, and a crash never leaves a
half-written file under a final name. A retried job that finds the name taken by the very same bytes goes on; any
other content is refused. Published files are read-only.
"""
from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

from traffic.digests import file_sha256, sha256_hex
from traffic.errors import TrafficError

READ_ONLY = 0o444  # a guard against accidents, not against an attacker: hashes and seals do that


class EvidenceConflict(TrafficError):
    """An evidence file already exists with different content: it is never overwritten."""

    status_code = 409


def write_once(path: Path, data: bytes) -> bool:
    """Publish ``data`` at ``path``; True when written now, False when identical bytes were already there.

    Raises EvidenceConflict when ``path`` holds anything else.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return _accept_existing(path, data)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(READ_ONLY)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _accept_existing(path, data)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            _write_directly(path, data)  # file systems without hard links: exclusive create still never overwrites
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return True


def _write_directly(path: Path, data: bytes) -> None:
    try:
        with path.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(READ_ONLY)
    except FileExistsError:
        _accept_existing(path, data)


def _accept_existing(path: Path, data: bytes) -> bool:
    existing = file_sha256(path)
    if existing != sha256_hex(data):
        raise EvidenceConflict(
            f"evidence file {path} already exists with different content (sha256 {existing}, new "
            f"{sha256_hex(data)}); evidence is never overwritten"
        )
    return False


def _sync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform can open a directory; the file itself was fsynced
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
