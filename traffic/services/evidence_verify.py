"""Checking an evidence package: every file against its hash, the database rows against the seal.

The seal is rebuilt from the database rows; if it still matches, the rows are as they were sealed and each file is
checked against its row. If it does not, ``manifest.json`` (when its own seal proves it authentic) tells which row
changed, and the files are checked against the sealed hashes instead of the edited rows.
"""
from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import EnforcementRecord, EvidenceFile
from models.enums import EvidenceKind, FileIntegrity
from traffic.digests import file_sha256
from traffic.services import evidence_manifest as manifest


@dataclass(frozen=True)
class FileCheck:
    """One file's verdict: ``ok``, ``altered`` (bytes differ from the sealed hash) or ``missing``."""

    name: str
    kind: str
    status: str
    expected_sha256: str
    actual_sha256: str | None


@dataclass
class VerifyReport:
    """What ``verify`` found; ``intact`` only when every file and both codes check out."""

    record_id: int
    record_no: str
    files: list[FileCheck] = field(default_factory=list)
    seal_valid: bool = False
    anti_forgery_valid: bool = False
    database_altered: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems and self.seal_valid and self.anti_forgery_valid

    @property
    def altered_files(self) -> list[str]:
        return [f.name for f in self.files if f.status == FileIntegrity.ALTERED]

    @property
    def missing_files(self) -> list[str]:
        return [f.name for f in self.files if f.status == FileIntegrity.MISSING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "record_no": self.record_no,
            "intact": self.intact,
            "seal_valid": self.seal_valid,
            "anti_forgery_valid": self.anti_forgery_valid,
            "database_altered": self.database_altered,
            "altered_files": self.altered_files,
            "missing_files": self.missing_files,
            "files": [asdict(f) for f in self.files],
            "problems": list(self.problems),
        }


def verify_package(session: Session, record: EnforcementRecord, root: Path, key: bytes) -> VerifyReport:
    report = VerifyReport(record_id=record.id, record_no=record.record_no)
    rows = list(session.scalars(select(EvidenceFile).where(EvidenceFile.record_id == record.id)
                                .order_by(EvidenceFile.name)))
    if not rows or record.seal is None:
        report.problems.append("the record has no sealed evidence package")
        return report

    facts = manifest.facts_from_db(session, record)
    listed = [manifest.manifest_file_of(r) for r in rows]
    code = manifest.anti_forgery_code(key, facts, listed)
    report.anti_forgery_valid = hmac.compare_digest(code, record.anti_forgery_code or "")
    body = manifest.sealed_body(key, facts, listed, record.anti_forgery_code or "")
    report.seal_valid = hmac.compare_digest(manifest.seal_of(key, body), record.seal)
    report.database_altered = not (report.seal_valid and report.anti_forgery_valid)

    manifest_row = next((r for r in rows if r.kind == EvidenceKind.MANIFEST), None)
    sealed, sealed_seal = _authentic_manifest(root, manifest_row, key, report)
    expected = {r.name: (r.kind, r.sha256, r.path) for r in rows}
    if report.database_altered:
        report.problems.append("database rows differ from the sealed package (seal or anti-forgery code mismatch)")
        if sealed is not None:
            report.problems.extend(_row_differences(sealed, body, record))
            if not hmac.compare_digest(sealed_seal, record.seal):
                report.problems.append(f"database: the record's seal differs from {manifest.MANIFEST_NAME}'s")
            # Trust the sealed hashes, not the edited rows, to judge the files.
            expected.update({f["name"]: (f["kind"], f["sha256"], f["path"]) for f in sealed["files"]})

    for name, (kind, sha256, relative) in sorted(expected.items()):
        report.files.append(_check_file(root, name, kind, sha256, relative))
    for check in report.files:
        if check.status != FileIntegrity.OK:
            report.problems.append(f"{check.name} is {check.status}")
    report.problems.extend(_unlisted_files(root, rows, expected))
    return report


def _check_file(root: Path, name: str, kind: str, sha256: str, relative: str) -> FileCheck:
    path = _inside(root, relative)
    if path is None or not path.is_file():
        return FileCheck(name, kind, FileIntegrity.MISSING, sha256, None)
    actual = file_sha256(path)
    return FileCheck(name, kind, FileIntegrity.OK if actual == sha256 else FileIntegrity.ALTERED, sha256, actual)


def _authentic_manifest(root: Path, row: EvidenceFile | None, key: bytes, report: VerifyReport
                        ) -> tuple[dict[str, Any] | None, str]:
    """manifest.json's sealed body and seal when that seal proves it was written under this key, else (None, "")."""
    if row is None:
        report.problems.append(f"{manifest.MANIFEST_NAME} is not listed in the database")
        return None, ""
    path = _inside(root, row.path)
    if path is None or not path.is_file():
        return None, ""
    try:
        document = json.loads(path.read_bytes())
        seal = str(document.pop("seal"))
    except (ValueError, KeyError, AttributeError, TypeError):
        return None, ""
    if document.get("key_id") != manifest.key_id(key):
        report.problems.append(
            f"the package was sealed under key {document.get('key_id')!r}, the server key is {manifest.key_id(key)!r}"
        )
        return None, ""
    if not hmac.compare_digest(manifest.seal_of(key, document), seal):
        return None, ""
    return document, seal


def _row_differences(sealed: dict[str, Any], rebuilt: dict[str, Any], record: EnforcementRecord) -> list[str]:
    found = []
    for field_name, value in sealed["record"].items():
        if rebuilt["record"].get(field_name) != value:
            found.append(f"database: record {field_name} is {rebuilt['record'].get(field_name)!r}, sealed {value!r}")
    if record.anti_forgery_code != sealed.get("anti_forgery_code"):
        found.append("database: the record's anti-forgery code differs from the sealed one")
    now = {f["name"]: f for f in rebuilt["files"]}
    for entry in sealed["files"]:
        current = now.pop(entry["name"], None)
        if current is None:
            found.append(f"database: the row of {entry['name']} was deleted")
            continue
        for key in ("kind", "path", "sha256", "size", "content_type", "captured_at", *manifest.SOURCE_FIELDS):
            if current.get(key) != entry.get(key):
                found.append(f"database: {key} of {entry['name']} is {current.get(key)!r}, sealed {entry.get(key)!r}")
    found.extend(f"database: {name} was added after sealing" for name in now)
    return found


def _unlisted_files(root: Path, rows: list[EvidenceFile], expected: dict[str, tuple[str, str, str]]) -> list[str]:
    folders = {_inside(root, r.path).parent for r in rows if _inside(root, r.path) is not None}
    names = set(expected)
    found = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if not path.name.startswith(".") and path.name not in names:  # dot files: unpublished temporaries
                    found.append(f"{path.name} is in the package folder but not in the package")
    return found


def _inside(root: Path, relative: str) -> Path | None:
    base = root.resolve()
    path = (base / relative).resolve()
    return path if path.is_relative_to(base) else None


def verify_all(session: Session, root: Path, key: bytes) -> Iterator[VerifyReport]:
    """Every record's report, oldest first: the check after a restore, that files and rows came back together."""
    for record in session.scalars(select(EnforcementRecord).order_by(EnforcementRecord.id)):
        yield verify_package(session, record, root, key)
