"""Supervision (定责任人、定时限、逐一销号): assignments by unit with due dates, and what is overdue."""
from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from models.enums import RecordStatus, Role
from traffic.api.deps import DbSession
from traffic.errors import Forbidden
from traffic.services import review_queue
from traffic.services.review_queue import QueueFilters
from traffic.web.i18n import Translator, language_of
from traffic.web.rendering import render
from traffic.web.session import PageActor
from traffic.web.views import city_clock, record_json

router = APIRouter(include_in_schema=False)
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
LIST_LIMIT = 500


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    if actor.role not in SUPERVISING_ROLES:
        raise Forbidden("supervision is for supervisors and admins")
    clock = city_clock(request, session)
    t = Translator(language_of(request))

    def items(filters: QueueFilters) -> list[dict]:
        views = review_queue.queue(session, actor, filters, clock, limit=LIST_LIMIT)
        return [record_json(v, t, clock, actor.role) for v in views]

    assigned = sorted(items(QueueFilters(status=RecordStatus.ASSIGNED)), key=lambda i: (i["unit"], i["due_date"]))
    by_unit = [(unit, list(rows)) for unit, rows in groupby(assigned, key=lambda i: i["unit"])]
    return render(request, "supervision.html", {
        "actor": actor, "by_unit": by_unit, "limit": LIST_LIMIT,
        "overdue_review": items(QueueFilters(status=RecordStatus.PENDING_REVIEW, overdue=True)),
        "overdue_assigned": [i for i in assigned if i["overdue"]],
    })
