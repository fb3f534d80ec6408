"""Shopware's error bodies: JSON:API ``{"errors": [{status, code, title, detail, meta}]}``
(adminapi.json ``failure``), raised inside the twin as :class:`ShopwareError`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

Json = dict[str, Any]


def error(status: int, code: str, detail: str, **meta: Any) -> Json:
    """One entry of the ``errors`` list."""
    entry: Json = {"status": str(status), "code": code,
                   "title": HTTPStatus(status).phrase, "detail": detail}
    if meta:
        entry["meta"] = meta
    return entry


class ShopwareError(Exception):
    def __init__(self, status: int, code: str, detail: str, *, errors: list[Json] | None = None,
                 **meta: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.body = {"errors": errors or [error(status, code, detail, **meta)]}


def error_body(status: int) -> Json:
    """Injected faults and framework errors."""
    return {"errors": [error(status, "0", HTTPStatus(status).phrase if status else "")]}


def no_route(status: int, path: str) -> tuple[int, Json]:
    """Symfony's router answer, in Shopware's error shape."""
    if status == 405:
        return 405, {"errors": [error(405, "0", f'No route found for "{path}": Method Not '
                                                "Allowed")]}
    return 404, {"errors": [error(404, "0", f'No route found for "{path}"')]}


def not_found(entity: str, ident: str) -> ShopwareError:
    return ShopwareError(404, "FRAMEWORK__ENTITY_NOT_FOUND",
                         f'Could not find entity "{entity}" with id "{ident}".')


def blank(pointer: str) -> Json:
    """A write validation error (Symfony NotBlank) at ``pointer`` (``/0/field``)."""
    return {"status": "400", "code": "c1051bb4-d103-4f74-8988-acbcafc7fdc3",
            "title": "Bad Request", "detail": "This value should not be blank.",
            "source": {"pointer": pointer}, "meta": {"parameters": {"{{ value }}": "null"}}}


def sql_error(message: str) -> ShopwareError:
    """An integrity violation the database refuses (duplicate id, unknown foreign key):
    Shopware lets the DBAL exception through as a 500 - nothing is written."""
    return ShopwareError(500, "0", f"An exception occurred while executing a query: "
                                   f"SQLSTATE[23000]: Integrity constraint violation: {message}")
