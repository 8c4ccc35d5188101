"""Admin pages for the city's configuration: one page per kind (districts, segments, time slots, holidays,
cameras, rules, and any kind added to the city repository), with a form derived from the kind's schema."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse

from traffic.api.deps import DbSession
from traffic.errors import NotFound
from traffic.services import city_repository as repo
from traffic.services.rule_preview import preview
from traffic.web.admin import require_admin
from traffic.web.config_forms import form_fields
from traffic.web.i18n import Translator, language_of
from traffic.web.rendering import render
from traffic.web.session import CSRF_HEADER, PageActor, check_csrf

router = APIRouter(prefix="/admin/config", include_in_schema=False)
LIST_COLUMNS = 4


def _cell(value: Any, prefix: str | None, t: Translator) -> str:
    """A value as the list shows it: vocabulary words translated, yes/no as words."""
    if value is None or value is False:
        return ""
    if value is True:
        return t("config.yes")
    if isinstance(value, list):
        return "、".join(_cell(v, prefix, t) for v in value)
    return t.maybe(prefix, str(value)) if prefix else str(value)


def _kind(plural: str) -> repo.Kind:
    for kind in repo.KINDS:
        if kind.plural == plural:
            return kind
    raise NotFound(f"no configuration page {plural!r}")


@router.get("/{plural}", response_class=HTMLResponse)
def config_page(request: Request, session: DbSession, actor: PageActor, plural: str) -> HTMLResponse:
    require_admin(actor)
    kind = _kind(plural)
    codes_of = {k.plural: [str(getattr(o, k.key_field)) for o in repo.list_all(session, k)] for k in repo.KINDS}
    items = [jsonable_encoder(kind.to_schema(o)) for o in repo.list_all(session, kind)]
    fields = form_fields(kind.schema, codes_of)
    shown = fields[:LIST_COLUMNS]
    t = Translator(language_of(request))
    rows = [(item[kind.key_field], [_cell(item[f.name], f.option_prefix, t) for f in shown]) for item in items]
    return render(request, "config_kind.html", {
        "actor": actor, "kind": kind, "kinds": repo.KINDS, "rows": rows, "fields": fields, "shown": shown,
        "script_data": {"items": items, "key_field": kind.key_field,
                        "api": f"/api/v1/{kind.plural.replace('_', '-')}",
                        "fields": [{"name": f.name, "widget": f.widget} for f in fields],
                        "preview": "/admin/config/rules/preview" if kind is repo.RULES else None},
    })


@router.post("/rules/preview")
def rule_preview(request: Request, session: DbSession, actor: PageActor,
                 rule: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    """The segments and time slots a rule (as being edited) covers, and the change against the stored rule."""
    require_admin(actor)
    check_csrf(request, request.headers.get(CSRF_HEADER))

    def codes(name: str) -> list[str]:
        value = rule.get(name) or []
        return [str(v) for v in value] if isinstance(value, list) else []

    return JSONResponse(preview(session, str(rule.get("code") or ""), codes("segments"), codes("districts"),
                                codes("time_slots")))
