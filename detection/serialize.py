"""JSON form of sighting events (one object per event in a JSON Lines file; images are never included)."""

from __future__ import annotations

from typing import Any

from detection.types import Box, EvidenceFrame, SightingEvent


def _box(box: Box | None) -> list[float] | None:
    return None if box is None else [round(float(v), 1) for v in box]


def _evidence(evidence: EvidenceFrame) -> dict[str, Any]:
    return {
        "frame_ref": evidence.frame_ref,
        "captured_at": evidence.captured_at.isoformat(),
        "box": _box(evidence.box_xyxy),
        "plate_box": _box(evidence.plate_box_xyxy),
    }


def to_json(event: SightingEvent) -> dict[str, Any]:
    """A JSON-ready dict of an event: times in ISO 8601 with offset, boxes as [x1, y1, x2, y2] pixels."""
    s = event.sighting
    return {
        "event": event.kind,
        "camera": s.camera,
        "track_id": s.track_id,
        "first_seen": s.first_seen.isoformat(),
        "last_seen": s.last_seen.isoformat(),
        "vehicle_type": s.vehicle_type,
        "votes": dict(s.votes),
        "score": round(float(s.score), 4),
        "plate": {"state": s.plate.state, "text": s.plate.text, "confidence": s.plate.confidence},
        "best": _evidence(s.best),
        "panoramas": [_evidence(p) for p in s.panoramas],
        "moved": s.moved,
        "track": [
            {"t": p.captured_at.isoformat(), "box": _box(p.box_xyxy), "score": round(float(p.score), 4)}
            for p in s.track
        ],
    }
