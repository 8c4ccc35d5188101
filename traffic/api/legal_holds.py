"""Legal holds on records: set and lifted by supervisors and admins, within their districts (docs/operations.md)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from models.enums import Role
from traffic.api.auth import require_roles
from traffic.api.deps import DbSession
from traffic.api.records import record_response
from traffic.schemas.records import LegalHoldIn, RecordOut
from traffic.services import legal_holds
from traffic.services.actors import Actor

router = APIRouter(prefix="/records", tags=["records"])
HoldingActor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]


@router.post("/{record_ref}/legal-hold", response_model=RecordOut,
             summary="Put a record on legal hold: retention keeps its frames until the hold is lifted")
def set_legal_hold(record_ref: str, body: LegalHoldIn, request: Request, session: DbSession,
                   actor: HoldingActor) -> RecordOut:
    record, _ = legal_holds.set_hold(session, actor, record_ref, body.reason)
    return record_response(request, session, record)


@router.delete("/{record_ref}/legal-hold", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Lift a record's legal hold (the reason goes into the audit)")
def lift_legal_hold(record_ref: str, session: DbSession, actor: HoldingActor,
                    reason: str = Query(min_length=1, max_length=500, description="why the hold ends")) -> Response:
    legal_holds.lift_hold(session, actor, record_ref, reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
