"""What an evidence package's codes are computed over, and how.

Two HMAC-SHA256 values under the server key protect a package:

* the anti-forgery code covers the record's facts and the source files (panoramas, vehicle and plate crops); its
  short form is printed on the composite image, so the composite names the exact files it was made from;
* the seal covers the same facts, the anti-forgery code and every file including the composite. It is stored on the
  record and in ``manifest.json``; since it is rebuilt from database rows, an edit to those rows breaks it.

Both are computed over canonical JSON (sorted keys, no spaces, UTF-8), so anyone holding the key can recompute them.

Format 2 adds the detector that saw the vehicle (name, version, SHA-256 of its weights) to the record's facts. A record
keeps the format it was sealed in (``evidence_format``), so packages sealed in format 1 verify as they always did; the
format is inside the sealed body, so changing a record's format breaks its seal.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from models import DetectorVersion, EnforcementRecord, EvidenceFile
from models.enums import EvidenceKind
from traffic.services.record_view import manifest_facts, record_codes, record_view
from traffic.services.utc import iso_utc

FORMAT = "traffic-evidence/1"
FORMAT_WITH_DETECTOR = "traffic-evidence/2"
SOURCE_KINDS = (EvidenceKind.PANORAMA, EvidenceKind.VEHICLE, EvidenceKind.PLATE)
SEALED_KINDS = (*SOURCE_KINDS, EvidenceKind.COMPOSITE)
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ManifestFile:
    """One file as the manifest lists it."""

    name: str
    kind: str
    path: str
    sha256: str
    size: int
    content_type: str
    captured_at: str | None
    source_frame: str | None = None  # panoramas: the frame they are
    source_sha256: str | None = None  # panoramas: the SHA-256 of the bytes the camera sent (equal to sha256)
    box_xyxy: list[int] | None = None  # panoramas: the vehicle's box in the image's pixels, drawn by the pages


# Listed only where known, so packages sealed before a field existed still verify.
SOURCE_FIELDS = ("source_frame", "source_sha256", "box_xyxy")


def file_entry(file: ManifestFile) -> dict[str, Any]:
    """A file as the manifest lists it; source fields only where known, so packages sealed before them still verify."""
    return {k: v for k, v in asdict(file).items() if v is not None or k not in SOURCE_FIELDS}


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def hmac_hex(key: bytes, value: Any) -> str:
    return hmac.new(key, canonical_json(value), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A public name of the key (an HMAC of a constant), so a package sealed under another key is recognised."""
    return hmac.new(key, b"traffic-evidence-key-id", hashlib.sha256).hexdigest()[:16]


def short_code(code: str) -> str:
    """The form printed on the composite: the first 64 bits in four groups, e.g. 3F2A-9B1C-77D0-E2A4."""
    head = code[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))


def _body(key: bytes, facts: dict[str, Any], files: list[ManifestFile]) -> dict[str, Any]:
    return {
        "format": FORMAT_WITH_DETECTOR if "detector" in facts else FORMAT,
        "key_id": key_id(key),
        "record": facts,
        "files": [file_entry(f) for f in sorted(files, key=lambda f: f.name)],
    }


def anti_forgery_code(key: bytes, facts: dict[str, Any], files: list[ManifestFile]) -> str:
    """HMAC over the facts and the source files (whatever else is passed is ignored)."""
    return hmac_hex(key, _body(key, facts, [f for f in files if f.kind in SOURCE_KINDS]))


def sealed_body(key: bytes, facts: dict[str, Any], files: list[ManifestFile], code: str) -> dict[str, Any]:
    """The manifest without its seal: facts, anti-forgery code, and every sealed file."""
    body = _body(key, facts, [f for f in files if f.kind in SEALED_KINDS])
    body["anti_forgery_code"] = code
    return body


def seal_of(key: bytes, body: dict[str, Any]) -> str:
    return hmac_hex(key, body)


def manifest_document(body: dict[str, Any], seal: str) -> bytes:
    """The bytes of manifest.json: the sealed body plus its seal, readable and stable."""
    return json.dumps({**body, "seal": seal}, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def facts_from_db(session: Session, record: EnforcementRecord) -> dict[str, Any]:
    """The record's facts as the database holds them now (codes, not ids, so they read well in the manifest); from
    format 2 on, with the detector version that saw the vehicle."""
    facts = manifest_facts(record_view(record, record_codes(session, record)))
    if record.evidence_format >= 2:
        detector = session.get(DetectorVersion, record.detector_version_id)
        facts["detector"] = {"name": detector.name, "version": detector.version, "sha256": detector.sha256}
    return facts


def manifest_file_of(row: EvidenceFile) -> ManifestFile:
    return ManifestFile(
        name=row.name,
        kind=row.kind,
        path=row.path,
        sha256=row.sha256,
        size=row.size,
        content_type=row.content_type,
        captured_at=iso_utc(row.captured_at) if row.captured_at is not None else None,
        source_frame=row.source_frame,
        source_sha256=row.source_sha256,
        box_xyxy=list(row.box_xyxy) if row.box_xyxy is not None else None,
    )
