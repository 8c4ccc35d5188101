"""Enforcement records: list with filters, one record, its evidence files, and their verification."""
from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from traffic.api.auth import CurrentActor
from traffic.api.deps import AppSettings, DbSession
from traffic.api.filters import CURSOR, FILTER_ERRORS, list_filters
from traffic.digests import sha256_hex
from traffic.errors import NotFound, TrafficError
from traffic.schemas.records import (
    EvidenceFileOut,
    EvidenceListOut,
    LegalHoldOut,
    RecordOut,
    RecordPage,
    RecordStatus,
    RecordView,
    VerifyOut,
)
from models import LegalHold
from traffic.services.evidence import EvidenceWriter
from traffic.services.legal_holds import hold_of, holds_of
from traffic.services.listing import ListFilters, find_record, list_records
from traffic.services.record_state import DeadlineClock
from traffic.services.record_view import record_codes, record_view
from traffic.services.utc import as_utc

router = APIRouter(prefix="/records", tags=["records"])


class EvidenceAltered(TrafficError):
    """A stored evidence file no longer matches its hash; it is not served as if it were intact."""

    status_code = 409


def evidence_writer(request: Request) -> EvidenceWriter:
    """One writer per app (the key is read once)."""
    writer = getattr(request.app.state, "evidence_writer", None)
    if writer is None:
        writer = EvidenceWriter.from_settings(request.app.state.settings)
        request.app.state.evidence_writer = writer
    return writer


Writer = Annotated[EvidenceWriter, Depends(evidence_writer)]


def _out(request: Request, view: RecordView, hold: LegalHold | None) -> RecordOut:
    base = f"{request.scope.get('root_path', '')}/api/v1/records/{view.id}"
    return RecordOut(**dict(view), evidence_url=f"{base}/evidence", verify_url=f"{base}/verify",
                     legal_hold=None if hold is None else LegalHoldOut(
                         reason=hold.reason, set_by=hold.set_by, set_at=as_utc(hold.set_at)))


@router.get("", response_model=RecordPage, responses=FILTER_ERRORS,
            summary="List records, newest first, with filters and a cursor")
def list_records_endpoint(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    settings: AppSettings,
    filters: Annotated[ListFilters, Depends(list_filters)],
    status: RecordStatus | None = Query(None),
    overdue: bool | None = Query(None, description="true: only records past their review deadline or due date"),
    cursor: str | None = CURSOR,
    limit: int = Query(50, ge=1, le=500),
) -> RecordPage:
    filters = replace(filters, status=status, overdue=overdue)
    page = list_records(session, actor, filters, cursor, limit, DeadlineClock.of_city(session, settings.timezone))
    holds = holds_of(session, [i.id for i in page.items])
    return RecordPage(items=[_out(request, i, holds.get(i.id)) for i in page.items], next_cursor=page.next_cursor)


def record_response(request: Request, session: DbSession, record) -> RecordOut:
    """One record as every route answers it, deadlines judged now in the city's timezone."""
    clock = DeadlineClock.of_city(session, request.app.state.settings.timezone)
    return _out(request, record_view(record, record_codes(session, record), clock), hold_of(session, record.id))


@router.get("/{record_ref}", response_model=RecordOut, summary="One record, by id or record number")
def get_record(record_ref: str, request: Request, session: DbSession, actor: CurrentActor) -> RecordOut:
    return record_response(request, session, find_record(session, record_ref, actor=actor))


@router.get("/{record_ref}/evidence", response_model=EvidenceListOut, summary="The record's evidence files")
def list_evidence(record_ref: str, request: Request, session: DbSession, writer: Writer,
                  actor: CurrentActor) -> EvidenceListOut:
    record = find_record(session, record_ref, actor=actor)
    base = f"{request.scope.get('root_path', '')}/api/v1/records/{record.id}/evidence"
    items = [
        EvidenceFileOut(name=f.name, kind=f.kind, sha256=f.sha256, size=f.size, content_type=f.content_type,
                        captured_at=as_utc(f.captured_at) if f.captured_at else None, url=f"{base}/{f.name}",
                        box_xyxy=f.box_xyxy)
        for f in writer.files_of(session, record)
    ]
    return EvidenceListOut(record_id=record.id, record_no=record.record_no, anti_forgery_code=record.anti_forgery_code,
                           seal=record.seal, items=items)


@router.get("/{record_ref}/evidence/{name}", summary="One evidence file (refused when it no longer matches its hash)",
            response_class=Response, responses={200: {"content": {"image/jpeg": {}, "application/json": {}}}})
def get_evidence_file(record_ref: str, name: str, session: DbSession, writer: Writer, actor: CurrentActor) -> Response:
    record = find_record(session, record_ref, actor=actor)
    row = next((f for f in writer.files_of(session, record) if f.name == name), None)
    if row is None:
        raise NotFound(f"record {record.record_no} has no evidence file {name!r}")
    path = writer.path_of(row)
    if not path.is_file():
        raise NotFound(f"evidence file {name} of record {record.record_no} is missing from storage")
    data = path.read_bytes()
    if sha256_hex(data) != row.sha256:  # hash what is sent, not the file a moment earlier
        raise EvidenceAltered(f"evidence file {name} of record {record.record_no} does not match its stored hash")
    return Response(
        content=data,
        media_type=row.content_type,
        headers={
            "ETag": f'"{row.sha256}"',
            "X-Evidence-SHA256": row.sha256,
            "Content-Disposition": f'inline; filename="{record.record_no}-{row.name}"',
            "Cache-Control": "private, max-age=86400, immutable",
        },
    )


@router.get("/{record_ref}/verify", response_model=VerifyOut,
            summary="Recompute every hash and HMAC of the evidence package; names what was altered or is missing")
def verify_record(record_ref: str, session: DbSession, writer: Writer, actor: CurrentActor) -> VerifyOut:
    record = find_record(session, record_ref, actor=actor)
    return VerifyOut(**writer.verify(session, record).as_dict())
