"""Magento's web API error body: ``{"message": "...%1...", "parameters": [...]}`` (or named
``%fieldName`` parameters as an object), with the HTTP status the framework picks."""

from __future__ import annotations

from typing import Any

NO_ROUTE = "Request does not match any route."
NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."
UNAUTHORIZED = "The consumer isn't authorized to access %resources."
INTERNAL = ("Internal Error. Details are available in Magento log file. Report ID: "
            "webapi-sandbox")


class MagentoError(Exception):
    def __init__(self, status: int, message: str, parameters: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameters = status, message, parameters

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.parameters is not None:
            body["parameters"] = self.parameters
        return body


def error_body(status: int) -> dict[str, Any]:
    """The body of an injected fault or an unrouted request."""
    if status == 404:
        return {"message": NO_ROUTE}
    if status == 401:
        return {"message": UNAUTHORIZED, "parameters": {"resources": "Magento_Sales::sales"}}
    if status == 429:
        return {"message": "Too Many Requests", "trace": None}  # rate-limiting doc
    if status >= 500:
        return {"message": INTERNAL}
    return {"message": "Bad request."}


def no_route(status: int, path: str) -> tuple[int, dict[str, Any]]:
    """Magento's router answers an unknown path and a wrong method alike: 404."""
    return 404, {"message": NO_ROUTE}
