"""Helpers every connector's mapping uses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordersync.orders import ErrorReason, MarketplaceOrder
from ordersync.orders.limits import MAX_MONEY, LimitError, check_order

CENT = Decimal("0.01")


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


def within_limits(order: MarketplaceOrder) -> MarketplaceOrder:
    """The order, or MappingError when a value is beyond what the hub can store."""
    try:
        return check_order(order)
    except LimitError as exc:
        raise MappingError(exc.reason, str(exc)) from None


def parse_moment(value: str, what: str) -> datetime:
    """ISO 8601 (``Z`` allowed) -> aware UTC datetime (naive taken as UTC); MappingError
    when unreadable or not representable (e.g. year 1 with a positive offset)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except ValueError:
        raise MappingError(ErrorReason.VALIDATION, f"{what} {value!r} is not ISO 8601") from None
    except OverflowError:
        raise MappingError(ErrorReason.VALUE_LIMIT, f"{what} {value!r} is out of range") from None


def money_value(value: Any, what: str) -> Decimal:
    """A non-negative money value as Decimal with cents; PRICING when it is not one,
    VALUE_LIMIT when beyond what the store holds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise MappingError(ErrorReason.PRICING, f"{what} {value!r} is not a price")
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise MappingError(ErrorReason.PRICING, f"{what} {value!r} is not a price") from None
    if not price.is_finite() or price < 0:
        raise MappingError(ErrorReason.PRICING, f"{what} {value!r} is not a price")
    if price > MAX_MONEY:
        raise MappingError(ErrorReason.VALUE_LIMIT, f"{what} {value!r} is out of range")
    return price.quantize(CENT)
