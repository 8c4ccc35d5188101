"""One error shape everywhere: {"error": <Kind>, "detail": <message>} with the matching 4xx status."""
from __future__ import annotations

import errno
import functools
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from traffic.api.request_id import REQUEST_ID_HEADER, request_id_of
from traffic.errors import (
    InsufficientStorage,
    ServiceUnavailable,
    TooManyAttempts,
    TrafficError,
    Unauthorized,
    is_storage_full,
)
from traffic.metrics import DATABASE_UNAVAILABLE, STORAGE_FULL

log = logging.getLogger(__name__)
SQLITE_FULL = 13

_HTTP_KINDS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
    507: "InsufficientStorage",
}


def error_body(kind: str, detail: str) -> dict[str, str]:
    return {"error": kind, "detail": detail}


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        where = ".".join(loc) or "request"
        message = "unknown field" if error.get("type") == "extra_forbidden" else error.get("msg", "invalid")
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "invalid request"


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the published API serves at this path.

    Starlette names only the methods of the first route whose path matches, but one path is often served by several
    routes (GET, PUT and DELETE of /districts/{key} are three), so the Allow header gathers them from the document.
    Where a fixed path and a template both match (/rules/evaluate, /rules/{key}), the fixed path is the resource.
    """
    matching = [(template.count("{"), operations) for template, operations in app.openapi().get("paths", {}).items()
                if _template_pattern(template).fullmatch(path)]
    fewest_parameters = min((count for count, _ in matching), default=0)
    return sorted({method.upper() for count, operations in matching if count == fewest_parameters
                   for method in operations})


@functools.lru_cache(maxsize=512)
def _template_pattern(template: str) -> re.Pattern[str]:
    """/records/{record_ref}/verify as a pattern: each {parameter} is one path segment."""
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TrafficError)
    async def _domain(_: Request, exc: TrafficError) -> JSONResponse:
        return _json_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("ValidationError", _describe_validation(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _HTTP_KINDS.get(exc.status_code, "HTTPError")
        detail = exc.detail if isinstance(exc.detail, str) else kind
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (methods := allowed_methods(app, request.url.path)):
            headers["Allow"] = ", ".join(methods)
        return JSONResponse(error_body(kind, detail), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request_id_of(request)
        log.error("unexpected error in %s %s [request %s]", request.method, request.url.path, request_id,
                  exc_info=exc)
        detail = f"an unexpected error; it is logged under request id {request_id}"
        return JSONResponse(error_body("InternalError", detail), status_code=500,
                            headers={REQUEST_ID_HEADER: request_id})

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(SqlTimeoutError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        if _database_disk_full(exc):
            return await _os_error(request, OSError(errno.ENOSPC, f"database: {getattr(exc, 'orig', exc)}"))
        # Connection refused, reset or timed out (pool_pre_ping replaces dead pooled connections on the next
        # checkout, so the first request after the database returns succeeds): the client should retry.
        log.warning("database unavailable in %s %s: %s", request.method, request.url.path,
                    getattr(exc, "orig", None) or exc)
        return _json_error(database_unavailable(app.state.settings.db_retry_after_s))

    @app.exception_handler(DBAPIError)
    async def _dbapi(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return await _database_down(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(OSError)
    async def _os_error(request: Request, exc: OSError) -> JSONResponse:
        if is_storage_full(exc):
            STORAGE_FULL.inc()
            log.error("storage full in %s %s: %s", request.method, request.url.path, exc)
            return _json_error(InsufficientStorage("the server's storage is full; nothing was stored, send it again "
                                                   "later"))
        return await _unexpected(request, exc)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return JSONResponse(error_body("Conflict", "the change conflicts with stored data"), status_code=409)


def _database_disk_full(exc: Exception) -> bool:
    """PostgreSQL's disk_full (SQLSTATE 53100) or SQLite's SQLITE_FULL: storage, not an outage."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "53100" or getattr(orig, "sqlite_errorcode", None) == SQLITE_FULL


def database_unavailable(retry_after: int) -> ServiceUnavailable:
    DATABASE_UNAVAILABLE.inc()
    return ServiceUnavailable("the database cannot be reached for now; nothing was changed, retry later", retry_after)


def _json_error(exc: TrafficError) -> JSONResponse:
    return JSONResponse(error_body(exc.kind, exc.detail), status_code=exc.status_code, headers=_headers_of(exc))


def _headers_of(exc: TrafficError) -> dict[str, str] | None:
    if isinstance(exc, TooManyAttempts | ServiceUnavailable):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    return None
