"""One logging setup for `serve`, `worker` and `ingest`: JSON or text lines, each with the request id, secrets masked.

The request id lives in a context variable that the request-id middleware sets: FastAPI runs sync handlers and
`run_in_threadpool` work in a copy of the caller's context, so every line logged while a request is handled carries
the X-Request-ID its response carries. Masking is applied to the finished line (message, arguments and traceback),
so a secret inside an exception's text is caught too.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from traffic.settings import Settings

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("traffic_request_id", default=None)
MASK = "***"
_SECRET_PATTERNS = (
    # Header-like pairs: "Authorization: Bearer abc", "x-camera-key=abc", "'cookie': 'sid=...'".
    re.compile(r"(?i)\b((?:proxy-)?authorization|x-camera-key|camera[_-]key|cookie|set-cookie)"
               r"([\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic)\s+)?[^\s\"',;]+"),
    # Form, query and JSON fields: password=..., "token": "...", secret_key=...
    re.compile(r"(?i)\b(password|passwd|new_password|secret|secret_key|token|access_token|refresh_token|api_key|"
               r"metrics_token)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"),
)
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@", re.IGNORECASE)


def mask_secrets(text: str, literals: Iterable[str] = ()) -> str:
    """``text`` with header values, password and token fields, URL passwords and the given literals masked."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
    for literal in literals:
        if literal:
            text = text.replace(literal, MASK)
    return text


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class _MaskingFormatter(logging.Formatter):
    def __init__(self, literals: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.literals = tuple(v for v in literals if len(v) >= 4)  # a short value would mask ordinary words

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(self.render(record), self.literals)

    def render(self, record: logging.LogRecord) -> str:
        return super().format(record)


class JsonFormatter(_MaskingFormatter):
    """One JSON object a line: ts (UTC), level, logger, message, request_id, and exception when there is one."""

    def render(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every logger (uvicorn's included) through one handler on ``stream`` (stderr); returns the handler.

    TRAFFIC_LOG_FORMAT chooses json or text; unset, a terminal gets text and anything else (a service manager,
    a container's log collector) gets JSON.
    """
    stream = stream or sys.stderr
    fmt = settings.log_format or ("text" if stream.isatty() else "json")
    literals = [s.get_secret_value() for s in (settings.secret_key, settings.metrics_token, settings.demo_password)
                if s is not None]
    handler = logging.StreamHandler(stream)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter(literals) if fmt == "json" else _MaskingFormatter(literals, TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
