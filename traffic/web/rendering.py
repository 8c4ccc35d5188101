"""Rendering pages: one Jinja2 environment, the translator, the CSRF token and the script messages in context."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from traffic.web.i18n import Translator, language_of
from traffic.web.session import CSRF_FIELD, CSRF_HEADER, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SCRIPT_MESSAGE_PREFIXES = ("js.", "status.", "reason.", "vehicle.")


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    language = language_of(request)
    t = Translator(language)
    token = csrf_token(request)
    page_data = {"csrf_header": CSRF_HEADER, "csrf": token, "messages": t.subset(*SCRIPT_MESSAGE_PREFIXES)}
    page_data.update(context.pop("script_data", {}))
    response = templates().TemplateResponse(request, name, {
        **context, "t": t, "lang": language, "csrf": token, "csrf_field": CSRF_FIELD,
        # A JSON data block is not executed, so it needs no 'unsafe-inline'; "</" is escaped so it cannot end it.
        "page_data": json.dumps(page_data, ensure_ascii=False, default=str).replace("</", "<\\/"),
    }, status_code=status_code)
    csrf_token(request, response)  # sets the anonymous token's cookie when this page created it
    return response
