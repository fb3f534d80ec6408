"""SP-API error bodies and the twin's early-exit exception."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

_CODES = {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 415: "Unsupported",
          429: "QuotaExceeded", 500: "InternalFailure", 503: "ServiceUnavailable"}


def errors(status: int, message: str = "", details: str = "") -> dict[str, Any]:
    """SP-API error body."""
    return {"errors": [{"code": _CODES.get(status, "InternalFailure"),
                        "message": message or _CODES.get(status, "Error"),
                        "details": details}]}


def no_route(status: int, path: str) -> tuple[int, dict[str, Any]]:
    """An unknown resource or method: SP-API sits behind API Gateway, which does not tell a
    wrong method from a wrong path; the twin answers both 404 NotFound (*unverified*)."""
    return 404, errors(404, "Resource not found.", f"No operation matches {path}.")


class Reject(Exception):
    """Raised by a handler to answer at once with ``response``."""

    def __init__(self, response: Response) -> None:
        self.response = response


def fail(status: int, message: str, details: str = "",
         headers: dict[str, str] | None = None) -> Reject:
    """An SP-API error answer to raise from a handler."""
    return Reject(JSONResponse(errors(status, message, details), status_code=status,
                               headers=headers))
