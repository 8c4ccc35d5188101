"""The published OpenAPI document declares, on every operation, the errors it can answer, all as `ErrorOut`.

Declared here once, from the shape of each operation, instead of on every route: a route only adds a description of
its own (ingest does) or a status the rules below cannot see. The fuzz test (tests/traffic/api/test_contract.py)
holds the app to what this declares.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from traffic.api.request_id import REQUEST_ID_HEADER
from traffic.schemas.errors import ErrorOut

# Open without signing in; every other route needs a user (or, for ingest, a camera key).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/api/v1/auth/token"})
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})

_DESCRIPTIONS = {
    400: "BadRequest: the body cannot be parsed",
    401: "Unauthorized: not signed in, or the credentials are wrong",
    403: "Forbidden: signed in, but not allowed to do this",
    404: "NotFound: what the path or the body names does not exist",
    409: "Conflict: the change conflicts with stored data",
    413: "PayloadTooLarge: the body is over the limit",
    422: "ValidationError or InvalidInput: the request breaks the schema or a rule",
    429: "TooManyRequests: slow down; Retry-After says for how long",
    500: "InternalError: an unexpected fault; quote the X-Request-ID when reporting it",
    503: "ServiceUnavailable: the database cannot be reached for now; Retry-After says when to try again",
    507: "InsufficientStorage: a disk or quota is full; nothing was stored",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, judged from its path, method and inputs."""
    statuses = {500, 503}  # 503: any route that reads the database while it is down
    if path not in OPEN_PATHS:
        statuses |= {401, 403}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)  # a body that is not even JSON (or multipart)
    if "{" in path or method in WRITE_METHODS:
        statuses.add(404)  # a path key, or a code in the body, that names nothing
    if method in WRITE_METHODS:
        statuses |= {409, 507}  # 507: a write that meets a full disk
    return statuses


def _declare(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    for status in error_statuses(path, method, operation) | declared:
        response = responses.setdefault(str(status), {"description": _DESCRIPTIONS.get(status, "error")})
        if response.get("description") == "Validation Error":  # FastAPI's own 422, with its list-shaped body
            response["description"] = _DESCRIPTIONS[422]
        media = response.setdefault("content", {}).setdefault("application/json", {})
        if media.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError") or "schema" not in media:
            media["schema"] = _ERROR_REF  # a route's own error model (the NotReadyOut of /readyz) stays
        if status == 503:
            response["headers"] = _RETRY_AFTER
        if status == 500:
            response["headers"] = {REQUEST_ID_HEADER: {"description": "the id under which the fault was logged",
                                                       "schema": {"type": "string"}}}
    operation["responses"] = dict(sorted(responses.items()))  # in status order, as a reader scans them


def install_openapi(app: FastAPI) -> None:
    """Publish FastAPI's document with the errors declared (built once, on first request)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()  # FastAPI caches it in app.openapi_schema; completed in place
            for path, operations in document.get("paths", {}).items():
                for method, operation in operations.items():
                    _declare(path, method, operation)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
