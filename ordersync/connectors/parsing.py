"""Helpers every connector's mapping uses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ordersync.orders import ErrorReason


class MappingError(ValueError):
    """A payload that cannot become an order; carries the quarantine reason."""

    def __init__(self, reason: ErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def text(value: Any) -> str | None:
    """A stripped string, or None for missing or blank values."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def amount(value: Any, what: str = "amount") -> Decimal:
    """A money value; missing or empty is 0, anything unreadable is a PRICING problem."""
    if value in (None, ""):
        return Decimal("0")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(ErrorReason.PRICING, f"{what} {value!r} is not an amount") from None
    if not parsed.is_finite():
        raise MappingError(ErrorReason.PRICING, f"{what} {value!r} is not an amount")
    return parsed
