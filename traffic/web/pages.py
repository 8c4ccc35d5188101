"""The pages: sign-in, the landing redirect, the language switch, the review queue and the record page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from models.enums import ActionTaken, DismissReason, RecordStatus, Role, VehicleType
from traffic.api.accounts import passwords_of
from traffic.api.auth import client_address
from traffic.api.deps import DbSession
from traffic.api.records import evidence_writer
from traffic.errors import InvalidInput, TooManyAttempts, Unauthorized
from traffic.db import transaction
from traffic.services import accounts, audit, legal_holds, review_queue
from traffic.services.record_state import DeadlineClock
from traffic.services.review_queue import QueueFilters
from traffic.services.login import LoginPolicy, sign_in
from traffic.services.tokens import revoke_token, user_of_token
from traffic.web import session as web_session
from traffic.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Translator, language_of
from traffic.web.rendering import render
from traffic.web.session import PageActor, check_csrf
from traffic.web.views import (
    allowed_actions,
    city_clock,
    evidence_items,
    local_date,
    local_text,
    record_json,
    vehicle_type_of,
)

router = APIRouter(include_in_schema=False)
FILTER_NAMES = ("district", "segment", "time_slot", "vehicle_type", "camera", "unit", "status", "overdue", "from", "to")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot send a user elsewhere after sign-in."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> HTMLResponse:
    """Sign in as POST /api/v1/auth/token does (throttled, every attempt stored); the token goes into the cookie."""
    check_csrf(request, csrf_token)
    # Its own transaction: a failed attempt is stored (and counts towards throttling) although the answer is an error.
    with transaction(request.app.state.session_factory) as session:
        outcome = sign_in(session, passwords_of(request), LoginPolicy.from_settings(request.app.state.settings),
                          username, password, client_address(request))
    if outcome.refusal is not None:
        throttled = isinstance(outcome.refusal, TooManyAttempts)
        response = render(request, "login.html", {
            "next": _safe_next(next), "failed": not throttled, "username": username,
            "retry_minutes": -(-outcome.refusal.retry_after // 60) if throttled else None,
        }, status_code=outcome.refusal.status_code)
        if throttled:
            response.headers["Retry-After"] = str(outcome.refusal.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    web_session.start_session(request, response, outcome.token)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form()]) -> RedirectResponse:
    """Sign out: the session's token is revoked, so a copy of the cookie signs nobody in either."""
    check_csrf(request, csrf_token)
    token = web_session.session_token(request)
    if token is not None:
        revoke_token(session, token)
    response = RedirectResponse("/login", status_code=303)
    web_session.end_session(response)
    return response


@router.post("/language")
def switch_language(request: Request, session: DbSession, language: Annotated[str, Form()],
                    csrf_token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> RedirectResponse:
    """Signed in: the choice is stored with the user, so it follows them to other browsers. The cookie is set too,
    for the sign-in form after signing out."""
    check_csrf(request, csrf_token)
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    token = web_session.session_token(request)
    if token is not None:
        try:
            accounts.set_language(session, user_of_token(session, token).id, language, LANGUAGES)
        except Unauthorized:
            pass  # an expired session still switches the sign-in form's language through the cookie
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True, path="/")
    return response


HOME_OF_ROLE = {Role.REVIEWER: "/review", Role.SUPERVISOR: "/supervision", Role.ADMIN: "/admin/cameras",
                Role.VIEWER: "/review"}


@router.get("/")
def home(actor: PageActor) -> RedirectResponse:
    """Each role starts on its own page: reviewers (and viewers, read-only) at the queue."""
    return RedirectResponse(HOME_OF_ROLE[actor.role], status_code=303)


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as the URL writes them (empty fields mean "any"); `from` and `to` are local dates."""

    district: str | None = None
    segment: str | None = None
    time_slot: str | None = None
    vehicle_type: str | None = None
    camera: str | None = None
    unit: str | None = None
    status: str | None = None
    overdue: bool = False
    since: str | None = Query(None, alias="from")
    until: str | None = Query(None, alias="to")


def _filters(tz: ZoneInfo, q: QueueQuery) -> QueueFilters:
    vehicle_type_of(q.vehicle_type)  # refuses an unknown type or status before any query
    if q.status:
        review_queue.statuses_of(q.status)

    def day_start(text: str | None, plus_days: int = 0) -> dt.datetime | None:
        day = local_date(text)
        return None if day is None else dt.datetime.combine(day + dt.timedelta(days=plus_days), dt.time(), tz)

    return QueueFilters(district=q.district or None, segment=q.segment or None, time_slot=q.time_slot or None,
                        vehicle_type=q.vehicle_type or None, camera=q.camera or None, unit=q.unit or None,
                        status=q.status or RecordStatus.PENDING_REVIEW, overdue=q.overdue,
                        since=day_start(q.since), until=day_start(q.until, plus_days=1))


def _queue_items(request: Request, clock: DeadlineClock, session, actor, filters: QueueFilters,
                 after=None) -> list[dict]:
    t = Translator(language_of(request))
    views = review_queue.queue(session, actor, filters, clock, after=after)
    return [record_json(v, t, clock, actor.role) for v in views]


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: DbSession, actor: PageActor,
                q: Annotated[QueueQuery, Depends()]) -> HTMLResponse:
    clock = city_clock(request, session)
    filters = _filters(clock.tz, q)
    items = _queue_items(request, clock, session, actor, filters)
    query = {k: v for k, v in request.query_params.items() if k in FILTER_NAMES and v}
    return render(request, "review.html", {
        "actor": actor, "items": items, "filters": filters, "query": query, "page_size": review_queue.QUEUE_PAGE,
        "more_url": "/review/items?" + urlencode(query),
        "choices": review_queue.filter_choices(session, actor),
        "statuses": [*review_queue.STATUS_GROUPS, *RecordStatus], "vehicle_types": [v.value for v in VehicleType],
        "reasons": list(DismissReason), "period": {"from": q.since or "", "to": q.until or ""},
        "actions_taken": list(ActionTaken),
        "script_data": {"items": items, "role": actor.role, "page_size": review_queue.QUEUE_PAGE},
    })


@router.get("/review/items")
def review_items(request: Request, session: DbSession, actor: PageActor, q: Annotated[QueueQuery, Depends()],
                 after_id: int | None = None, after_utc: dt.datetime | None = None) -> JSONResponse:
    """The next records of the queue after the last one the page holds (the page fetches them ahead)."""
    clock = city_clock(request, session)
    filters = _filters(clock.tz, q)
    after = (after_utc, after_id) if after_id is not None and after_utc is not None else None
    return JSONResponse({"items": _queue_items(request, clock, session, actor, filters, after)})


@router.get("/review/items/{record_id}")
def review_item(request: Request, session: DbSession, actor: PageActor, record_id: int) -> JSONResponse:
    """One record as the queue holds it: the page refreshes a record with it after a stale-version refusal."""
    view = review_queue.record_view(session, actor, record_id)
    return JSONResponse(record_json(view, Translator(language_of(request)), city_clock(request, session), actor.role))


@router.get("/records/{record_no}", response_class=HTMLResponse)
def record_page(request: Request, session: DbSession, actor: PageActor, record_no: str) -> HTMLResponse:
    clock = city_clock(request, session)
    t = Translator(language_of(request))
    view = review_queue.record_view(session, actor, record_no)
    writer = evidence_writer(request)
    item = record_json(view, t, clock, actor.role)
    hold = legal_holds.hold_of(session, view.record.id)
    return render(request, "record.html", {
        "actor": actor, "view": view, "item": item,
        "evidence": evidence_items(view, t), "verify": writer.verify(session, view.record),
        "audit": [(local_text(e.at, clock.tz), e) for e in audit.entries_of_record(session, view.record.id)],
        "actions": allowed_actions(view.record.status, actor.role),
        "reasons": list(DismissReason), "vehicle_types": [v.value for v in VehicleType],
        "actions_taken": list(ActionTaken), "choices": review_queue.filter_choices(session, actor),
        "hold": hold, "hold_at": local_text(hold.set_at, clock.tz) if hold else None,
        "can_hold": actor.role in legal_holds.HOLDERS, "script_data": {"record": item},
    })
