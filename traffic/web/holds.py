"""The record page's legal-hold forms: supervisors and admins put a record on hold, or lift it, with a reason."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from traffic.api.deps import DbSession
from traffic.errors import Forbidden
from traffic.services import legal_holds
from traffic.services.actors import Actor
from traffic.web.session import PageActor, check_csrf

router = APIRouter(prefix="/records", include_in_schema=False)


def holding_page_actor(actor: PageActor) -> Actor:
    """As a dependency, the role is checked before the form is read: others get 403, never a form error."""
    if actor.role not in legal_holds.HOLDERS:
        raise Forbidden("legal holds are set and lifted by supervisors and admins")
    return actor


HoldingActor = Annotated[Actor, Depends(holding_page_actor)]
Reason = Annotated[str, Form()]


def _back(record_no: str) -> RedirectResponse:
    return RedirectResponse(f"/records/{quote(record_no, safe='')}", status_code=303)


@router.post("/{record_no}/legal-hold")
def set_hold(request: Request, session: DbSession, actor: HoldingActor, record_no: str,
             csrf_token: Annotated[str, Form()], reason: Reason = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    record, _ = legal_holds.set_hold(session, actor, record_no, reason)
    return _back(record.record_no)


@router.post("/{record_no}/legal-hold/lift")
def lift_hold(request: Request, session: DbSession, actor: HoldingActor, record_no: str,
              csrf_token: Annotated[str, Form()], reason: Reason = "") -> RedirectResponse:
    check_csrf(request, csrf_token)
    record = legal_holds.lift_hold(session, actor, record_no, reason)
    return _back(record.record_no)
