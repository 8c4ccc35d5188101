"""Reviewed records whose panoramas are demo footage frames with their true boxes: a tiny training set to export."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from models import EvidenceFile
from tests.support.factories import SHANGHAI, City, make_record
from tests.support.footage import DEMO_DIR, demo_snapshots, require

WATCHED = ("e_tricycle", "fuel_tricycle", "e_four_wheeler")
DAYS = (dt.date(2023, 7, 3), dt.date(2023, 7, 4), dt.date(2023, 7, 5))


@dataclass(frozen=True)
class Reviewed:
    record_no: str
    use: str  # confirmed | corrected | negative | skipped
    label: str | None  # the class its boxes should get
    day: dt.date
    frames: tuple[str, ...]  # the SHA-256 of each panorama


def seed_reviewed(session: Session, city: City, evidence_root: Path, per_vehicle: int = 3) -> list[Reviewed]:
    """One record per watched moving vehicle of the demo footage (confirmed; one dismissed as the wrong type with
    the right one given), spread over three days, plus a false detection and an "other" dismissal."""
    require(DEMO_DIR / "demo_truth.json")
    truth = json.loads((DEMO_DIR / "demo_truth.json").read_text(encoding="utf-8"))["vehicles"]
    snapshots = demo_snapshots()
    vehicles = [v for v in truth if v["class"] in WATCHED and not v["parked"]]
    made: list[Reviewed] = []
    used: set[int] = set()  # one record per frame, so each frame's label is one record's decision
    for n, vehicle in enumerate(vehicles):
        full = [f for f in vehicle["frames"] if f["visible"] >= 0.99 and f["frame"] not in used]
        picked = full[:: max(1, len(full) // per_vehicle)][:per_vehicle]
        used.update(f["frame"] for f in picked)
        corrected = n == 1
        status = "dismissed" if corrected else "confirmed"
        recorded_as = next(c for c in WATCHED if c != vehicle["class"]) if corrected else vehicle["class"]
        day = DAYS[n % len(DAYS)]
        record = make_record(session, city, dt.datetime.combine(day, dt.time(8, 0, n), SHANGHAI),
                             vehicle_type=recorded_as, status=status)
        if corrected:
            record.dismiss_reason, record.corrected_vehicle_type = "wrong_vehicle_type", vehicle["class"]
        frames = [(snapshots[f["frame"]].jpeg, [int(round(v)) for v in f["box"]]) for f in picked]
        made.append(Reviewed(record.record_no, "corrected" if corrected else "confirmed", vehicle["class"], day,
                             _panoramas(session, evidence_root, record, frames)))
    empty = [s.jpeg for i, s in enumerate(snapshots) if not any(_in(v, i) for v in vehicles)][:2]
    for use, reason, jpeg in (("negative", "false_detection", empty[0]), ("skipped", "other", empty[1])):
        record = make_record(session, city, dt.datetime.combine(DAYS[0], dt.time(8, 30), SHANGHAI),
                             status="dismissed")
        record.dismiss_reason = reason
        made.append(Reviewed(record.record_no, use, None, DAYS[0],
                             _panoramas(session, evidence_root, record, [(jpeg, [0, 0, 10, 10])])))
    session.flush()
    return made


def _in(vehicle: dict, frame: int) -> bool:
    return vehicle["first_frame"] <= frame <= vehicle["last_frame"]


def _panoramas(session: Session, root: Path, record, frames: list[tuple[bytes, list[int]]]) -> tuple[str, ...]:
    digests = []
    for number, (jpeg, box) in enumerate(frames, start=1):
        relative = f"{record.record_no}/panorama-{number}.jpg"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(jpeg)
        digest = hashlib.sha256(jpeg).hexdigest()
        session.add(EvidenceFile(record_id=record.id, name=f"panorama-{number}.jpg", kind="panorama", path=relative,
                                 sha256=digest, size=len(jpeg), content_type="image/jpeg",
                                 captured_at=record.captured_at, created_at=record.captured_at,
                                 source_frame=f"f-{digest[:12]}", source_sha256=digest, box_xyxy=box))
        digests.append(digest)
    return tuple(digests)
