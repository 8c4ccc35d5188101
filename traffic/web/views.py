"""Turn service values into what templates and scripts show: local times, labels, evidence URLs, actions."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy.orm import Session

from models.enums import RecordStatus, Role, VehicleType
from traffic.errors import InvalidInput
from traffic.services.record_state import DeadlineClock, deadline_fields
from traffic.services.review_queue import RecordView, summary
from traffic.services.transitions import STEPS
from traffic.web.i18n import Translator

API_RECORDS = "/api/v1/records"
EVIDENCE_ORDER = ("composite", "panorama", "vehicle", "plate")


def allowed_actions(status: str, role: Role) -> list[str]:
    """The buttons a record offers: the lifecycle's steps from its status that ``role`` may take (`transitions`).

    The lifecycle service still decides and refuses (403/409/422); this only keeps buttons that would always be
    refused off the screen. A pending record also offers "assign": the page confirms it first, then assigns it
    (two audited steps, both from the table).
    """
    names = [step.name for step in STEPS if step.source == status and role in step.roles]
    if status == RecordStatus.PENDING_REVIEW and "confirm" in names:
        names += [step.name for step in STEPS
                  if step.source == RecordStatus.CONFIRMED and step.name == "assign" and role in step.roles]
    return list(dict.fromkeys(names))


def city_clock(request: Request, session: Session) -> DeadlineClock:
    """Now, in the city's timezone (the city file's, else the deployment's): how pages show times and judge deadlines."""
    return DeadlineClock.of_city(session, request.app.state.settings.timezone)


def local_date(text: str | None) -> dt.date | None:
    """A local date from a page's URL (`from`, `to`); empty means none."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def vehicle_type_of(text: str | None) -> VehicleType | None:
    """A vehicle type from a page's URL; empty means any, an unknown one is refused (422)."""
    if not text:
        return None
    try:
        return VehicleType(text)
    except ValueError as exc:
        raise InvalidInput(f"vehicle type {text!r} does not exist") from exc


def local_text(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def evidence_items(view: RecordView, t: Translator) -> list[dict[str, Any]]:
    """Image files in display order (composite, panoramas, vehicle, plate), served by the API's evidence route;
    a panorama also carries its vehicle box (image pixels), which the page draws over it."""
    images = [f for f in view.evidence if f.content_type.startswith("image/")]
    images.sort(key=lambda f: (EVIDENCE_ORDER.index(f.kind) if f.kind in EVIDENCE_ORDER else 99, f.name))
    return [{"name": f.name, "kind": f.kind, "label": t.maybe("evidence", f.kind),
             "url": f"{API_RECORDS}/{view.record.id}/evidence/{f.name}", "box": f.box_xyxy} for f in images]


def record_json(view: RecordView, t: Translator, clock: DeadlineClock, role: Role) -> dict[str, Any]:
    """One record as the review page's script holds it; times in the city's timezone, overdue as the API says."""
    s, tz = summary(view), clock.tz
    return {
        "id": s["id"], "record_no": s["record_no"], "version": s["version"], "status": s["status"],
        "status_label": t.maybe("status", s["status"]),
        "captured_at": local_text(s["captured_at"], tz),
        "captured_utc": s["captured_at"].isoformat(),
        "deadline": local_text(s["review_deadline"], tz),
        "overdue": deadline_fields(view.record, clock)["overdue"],
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
