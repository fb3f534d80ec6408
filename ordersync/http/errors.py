"""The connector exception tree, and the one table that maps a response to an action.

ApiError
 +-- RetriableError        429, 5xx, timeouts: worth trying again later
 |    +-- RateLimited      429 (retry_after set when the platform said)
 |    +-- UncertainWrite   a non-idempotent write whose outcome is unknown (timeout or 5xx
 |                         after sending): never retry blindly, reconcile first
 +-- FatalError            other 4xx: retrying will not help
      +-- AuthError        401/403: credentials wrong or missing scope
      +-- NotFound         404
      +-- ValidationError  400/422: the platform rejected the payload

Messages carry method, path and status, never headers, credentials or query strings.
"""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    OK = "ok"
    RETRY = "retry"
    FAIL = "fail"


def action_for(status: int) -> Action:
    """Status code -> what the client does about it."""
    if status < 400:
        return Action.OK
    if status == 429 or status >= 500 or status == 408:
        return Action.RETRY
    return Action.FAIL


class ApiError(Exception):
    def __init__(
        self, message: str, *, platform: str = "", status: int | None = None, detail: str = ""
    ) -> None:
        text = f"{platform}: {message}" if platform else message
        if detail:
            text = f"{text}: {detail}"
        super().__init__(text)
        self.platform, self.status, self.detail = platform, status, detail


class RetriableError(ApiError):
    pass


class RateLimited(RetriableError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UncertainWrite(RetriableError):
    pass


class FatalError(ApiError):
    pass


class AuthError(FatalError):
    pass


class NotFound(FatalError):
    pass


class ValidationError(FatalError):
    pass


class UnsupportedOperation(FatalError):
    """The platform has no API for what was asked (e.g. Amazon: seller cancellation)."""


def error_for(status: int, message: str, *, platform: str, detail: str = "") -> ApiError:
    """The exception class for a final (non-retried) error response."""
    kw = {"platform": platform, "status": status, "detail": detail}
    if status == 429:
        return RateLimited(message, **kw)
    if status >= 500 or status == 408:
        return RetriableError(message, **kw)
    if status in (401, 403):
        return AuthError(message, **kw)
    if status == 404:
        return NotFound(message, **kw)
    if status in (400, 422):
        return ValidationError(message, **kw)
    return FatalError(message, **kw)
