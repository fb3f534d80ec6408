"""What the hub's store can hold, owned by the domain (the tables use these constants).

Every value that reaches the database is checked here where it enters (the connectors'
mappings), so a malformed payload is quarantined with a reason instead of failing the insert.
Pure Python: no SQLAlchemy, no I/O.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordersync.orders.model import (
    ADDRESS_FIELDS,
    Address,
    MarketplaceOrder,
    OrderLine,
    Tracking,
)
from ordersync.orders.status import ErrorReason

# -- column sizes (String(n)) -------------------------------------------------------------
MAX_PLATFORM = 32
MAX_ACCOUNT = 128
MAX_EXTERNAL_ID = 128
MAX_STATUS = 32
MAX_REASON = 32
MAX_CURRENCY = 3
MAX_LINE_ID = 64
MAX_SKU = 128
MAX_EAN = 32
MAX_OFFER_ID = 64
MAX_WEBSHOP_ID = 64
MAX_TRACKING_NUMBER = 64
MAX_CARRIER = 64  # canonical carrier id and the marketplace's carrier code
MAX_CARRIER_NAME = 128
# Text / JSON columns have no size; these keep them sane (and within what shops accept).
MAX_TITLE = 1000
MAX_ADDRESS_FIELD = 255
MAX_URL = 2048

# -- numbers ------------------------------------------------------------------------------
MONEY_PRECISION, MONEY_SCALE = 14, 2  # Numeric(14, 2)
MAX_MONEY = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE) - Decimal("0.01")
MAX_QUANTITY = 1_000_000  # per line; well inside a 32-bit INTEGER, and total stays in range

# -- moments ------------------------------------------------------------------------------
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# Unicode category Cc (U+0000-001F, U+007F-009F) but tab, LF and CR, and Cs (surrogates)
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class LimitError(ValueError):
    """A value the hub cannot (or must not) store; carries the quarantine reason."""

    def __init__(self, message: str, reason: ErrorReason = ErrorReason.VALUE_LIMIT) -> None:
        super().__init__(message)
        self.reason = reason


def bad_char(value: str) -> str | None:
    """The first character the store must not get (NUL, control, lone surrogate), or None."""
    found = _BAD_CHAR.search(value)
    return found.group() if found else None


def check_text(value: str | None, what: str, max_len: int) -> None:
    """Raise LimitError when ``value`` is too long or holds characters the store refuses."""
    if value is None:
        return
    if not isinstance(value, str):
        raise LimitError(f"{what} is not text")
    if len(value) > max_len:
        raise LimitError(f"{what} has {len(value)} characters (at most {max_len})")
    char = bad_char(value)
    if char is not None:
        raise LimitError(f"{what} contains the character {char!r}")


def check_money(value: Decimal, what: str) -> None:
    if not value.is_finite() or abs(value) > MAX_MONEY:
        raise LimitError(f"{what} {value} is out of range (at most {MAX_MONEY})")


def check_quantity(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise LimitError(f"{what} {value!r} is out of range (1 to {MAX_QUANTITY})")


def check_moment(value: datetime, what: str) -> None:
    if value.tzinfo is None or not EARLIEST <= value < LATEST:
        raise LimitError(
            f"{what} {value.isoformat()} is outside {EARLIEST.year} to {LATEST.year - 1}"
        )


def check_address(address: Address | None, what: str) -> None:
    if address is None:
        return
    for name in ADDRESS_FIELDS:
        value = getattr(address, name)
        if value is not None:
            check_text(value, f"{what}.{name}", MAX_ADDRESS_FIELD)



def check_line(line: OrderLine, what: str) -> None:
    check_text(line.line_id, f"{what}.line_id", MAX_LINE_ID)
    check_quantity(line.quantity, f"{what}.quantity")
    check_money(line.unit_price, f"{what}.unit_price")
    check_text(line.sku, f"{what}.sku", MAX_SKU)
    check_text(line.ean, f"{what}.ean", MAX_EAN)
    check_text(line.title, f"{what}.title", MAX_TITLE)
    check_text(line.offer_id, f"{what}.offer_id", MAX_OFFER_ID)


def check_order(order: MarketplaceOrder) -> MarketplaceOrder:
    """The order itself, or LimitError for the first value the store could not hold (or a
    line id given twice: VALIDATION)."""
    check_text(order.platform, "platform", MAX_PLATFORM)
    check_text(order.account, "account", MAX_ACCOUNT)
    check_text(order.external_id, "order id", MAX_EXTERNAL_ID)
    check_text(order.currency, "currency", MAX_CURRENCY)
    check_moment(order.placed_at, "order date")
    seen: set[str] = set()
    for i, line in enumerate(order.lines):
        check_line(line, f"line {i}")
        if line.line_id in seen:
            raise LimitError(f"line id {line.line_id!r} appears twice", ErrorReason.VALIDATION)
        seen.add(line.line_id)
    check_money(order.total, "order total")
    check_address(order.shipping_address, "shipping address")
    check_address(order.billing_address, "billing address")
    return order


def tracking_problem(trackings: Iterable[Tracking]) -> str | None:
    """Why the webshop's tracking cannot be used (too long, NUL, ...), or None."""
    try:
        for t in trackings:
            check_text(t.number, "tracking number", MAX_TRACKING_NUMBER)
            check_text(t.company, "carrier name", MAX_CARRIER_NAME)
            check_text(t.url, "tracking url", MAX_URL)
    except LimitError as exc:
        return str(exc)
    return None


def printable(value: Any, max_len: int = 2000) -> str:
    """``value`` as text safe for any column, logs and messages: characters the store refuses
    escaped, cut to ``max_len``."""
    text = value if isinstance(value, str) else str(value)
    if bad_char(text) is not None:
        text = _BAD_CHAR.sub(
            lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"),
            text)
    return text if len(text) <= max_len else text[: max_len - 1] + "…"


def storage_key(external_id: str) -> str:
    """The id under which an order is stored: itself when the column can hold it, else a
    stable digest (the same in every run, so the order is stored once)."""
    try:
        check_text(external_id, "order id", MAX_EXTERNAL_ID)
    except LimitError:
        digest = hashlib.sha256(external_id.encode("utf-8", "surrogatepass")).hexdigest()
        return f"invalid-id-{digest[:32]}"
    return external_id


def clean_json(value: Any) -> Any:
    """A JSON-able copy with every string made storable (for quarantined raw payloads)."""
    if isinstance(value, str):
        return printable(value, 10_000)
    if isinstance(value, Mapping):
        return {printable(str(k), 200): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # not JSON
        return None
    return value
