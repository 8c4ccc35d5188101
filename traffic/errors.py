"""Domain errors. Services raise these; the API renders every one as {"error": <class name>, "detail": <message>}."""
from __future__ import annotations

import errno


class TrafficError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def kind(self) -> str:
        return type(self).__name__


class NotFound(TrafficError):
    status_code = 404


class AlreadyExists(TrafficError):
    status_code = 409


class Conflict(TrafficError):
    status_code = 409


class InvalidInput(TrafficError):
    status_code = 422


class Unauthorized(TrafficError):
    status_code = 401


class Forbidden(TrafficError):
    status_code = 403


class TooManyAttempts(TrafficError):
    """Sign-in refused for a while after too many failures; ``retry_after`` is in whole seconds."""

    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLarge(TrafficError):
    status_code = 413


class ConfigError(TrafficError):
    """A city file that cannot be applied; the message names the file, line and field."""

    status_code = 422


class ServiceUnavailable(TrafficError):
    """The database (or the queue) cannot be reached for now; ``retry_after`` is in whole seconds."""

    status_code = 503

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InsufficientStorage(TrafficError):
    """A disk or quota is full: nothing was stored, and the caller may send it again later."""

    status_code = 507


STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_storage_full(exc: BaseException) -> bool:
    """True for the OSError of a full disk or an exhausted quota, wherever the write happened."""
    return isinstance(exc, OSError) and exc.errno in STORAGE_FULL_ERRNOS
