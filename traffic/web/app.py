"""Mount the pages into the API's app: routes, static files, security headers and HTML error pages."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from traffic.errors import TrafficError
from traffic.web import admin, config_pages, dashboard, holds, pages, supervision, users_admin
from traffic.web.rendering import render
from traffic.web.session import SignInRequired, session_cookie_token

STATIC_DIR = Path(__file__).resolve().parent / "static"
# No inline script or style anywhere; images come from our own evidence routes (and, when one is set, from the
# city's own map tile server, that one origin only).
POLICY_TEMPLATE = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
                   "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
CONTENT_SECURITY_POLICY = POLICY_TEMPLATE.format(tiles="")
OTHER_PAGE_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                      (b"x-frame-options", b"DENY"))


def content_security_policy(tile_origin: str | None = None) -> str:
    return POLICY_TEMPLATE.format(tiles=f" {tile_origin}" if tile_origin else "")


def page_headers(tile_origin: str | None = None) -> tuple[tuple[bytes, bytes], ...]:
    return ((b"content-security-policy", content_security_policy(tile_origin).encode()), *OTHER_PAGE_HEADERS)


PAGE_HEADER_NAMES = frozenset(name for name, _ in page_headers())
NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")


def is_page_path(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


class PageSecurityHeaders:
    """The pages' security headers on every HTML document outside the API.

    They replace the API's headers of the same names (the API's CSP would forbid the pages' own scripts, styles and
    images). Everything else, JSON for scripts, static files and images included, keeps the API's stricter ones: a
    policy only governs documents.
    """

    def __init__(self, app: ASGIApp, headers: tuple[tuple[bytes, bytes], ...] = page_headers()) -> None:
        self.app = app
        self.headers = list(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_html(message):
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() not in PAGE_HEADER_NAMES]
                message = {**message, "headers": headers + self.headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_html(message: Message) -> bool:
    return any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in message.get("headers", []))


def install_web(app: FastAPI) -> None:
    for router in (pages.router, dashboard.router, holds.router, supervision.router, admin.router, config_pages.router,
                   users_admin.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(PageSecurityHeaders, headers=page_headers(app.state.settings.map_tile_origin()))
    # The pages' scripts call the API with the session cookie; a bearer token, when sent, still comes first.
    app.state.credential_readers = (*app.state.credential_readers, session_cookie_token)

    api_handler = app.exception_handlers[TrafficError]  # the API's one error shape stays the API's to define

    @app.exception_handler(TrafficError)
    async def _domain(request: Request, exc: TrafficError) -> Response:
        if not is_page_path(request.url.path) or _wants_json(request):
            return await api_handler(request, exc)
        if isinstance(exc, SignInRequired):
            if request.method != "GET":
                return await api_handler(request, exc)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return render(request, "error.html", {"status": exc.status_code, "kind": exc.kind, "detail": exc.detail},
                      status_code=exc.status_code)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.url.path.startswith("/review/items")
