"""Turn service values into what templates and scripts show: local times, labels, evidence URLs, actions."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from models.enums import RecordStatus, Role
from traffic.services.review_queue import RecordView, summary
from traffic.web.i18n import Translator

API_RECORDS = "/api/v1/records"
# Which buttons a record's page offers in each status, and which roles see them. The lifecycle service decides and
# refuses (403/409/422); this only keeps buttons that would always be refused off the screen.
ACTIONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    RecordStatus.PENDING_REVIEW: ("confirm", "dismiss", "assign"),
    RecordStatus.CONFIRMED: ("assign",),
    RecordStatus.ASSIGNED: ("act", "reassign"),
    RecordStatus.ACTIONED: ("close",),
    RecordStatus.DISMISSED: ("reopen",),
    RecordStatus.CLOSED: ("reopen",),
}
DECIDING_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR})
SUPERVISOR_ONLY = frozenset({"reassign", "reopen"})
EVIDENCE_ORDER = ("composite", "panorama", "vehicle", "plate")


def allowed_actions(status: str, role: Role) -> list[str]:
    if role not in DECIDING_ROLES:
        return []
    return [a for a in ACTIONS_BY_STATUS.get(status, ()) if role == Role.SUPERVISOR or a not in SUPERVISOR_ONLY]


def local_text(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def evidence_items(view: RecordView, t: Translator) -> list[dict[str, str]]:
    """Image files in display order (composite, panoramas, vehicle, plate), served by the API's evidence route."""
    images = [f for f in view.evidence if f.content_type.startswith("image/")]
    images.sort(key=lambda f: (EVIDENCE_ORDER.index(f.kind) if f.kind in EVIDENCE_ORDER else 99, f.name))
    return [{"name": f.name, "kind": f.kind, "label": t.maybe("evidence", f.kind),
             "url": f"{API_RECORDS}/{view.record.id}/evidence/{f.name}"} for f in images]


def record_json(view: RecordView, t: Translator, tz: ZoneInfo, *, now: dt.datetime, today: dt.date,
                role: Role) -> dict[str, Any]:
    """One record as the review page's script holds it."""
    s = summary(view)
    return {
        "id": s["id"], "record_no": s["record_no"], "version": s["version"], "status": s["status"],
        "status_label": t.maybe("status", s["status"]),
        "captured_at": local_text(s["captured_at"], tz),
        "captured_utc": s["captured_at"].isoformat(),
        "deadline": local_text(s["review_deadline"], tz),
        "overdue": view.is_overdue(now, today),
        "place": f"{s['district_name']} · {s['segment_name']}（{s['segment_code']}） · {s['camera_name']}",
        "slot": s["slot_name"], "rule": s["rule_name"],
        "vehicle": t.maybe("vehicle", s["vehicle_type"]),
        "plate": _plate_words(s, t),
        "reasons": s["reasons"],
        "unit": s["unit_name"] or "", "due_date": s["due_date"].isoformat() if s["due_date"] else "",
        "evidence": evidence_items(view, t),
        "page_url": f"/records/{s['record_no']}",
        "actions": allowed_actions(s["status"], role),
    }


def _plate_words(s: dict[str, Any], t: Translator) -> str:
    state = t.maybe("plate", s["plate_state"])
    return f"{state} {s['plate_text']}" if s["plate_text"] else state
