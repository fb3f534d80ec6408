"""What the demo's check reads of a webshop twin, through its merchant: per order, when it was
created, cancelled or first shipped, the first track & trace code, and where the shop ships per
line, what each parcel holds (the twin's own state).

A webshop's merchant implements :class:`MerchantFacts` next to ``ShopMerchant`` to be usable as
the demo's shop (``./run demo --shop NAME``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ShopFacts:
    shop_id: str
    created: datetime
    cancelled: datetime | None
    fulfilled: datetime | None  # the first parcel
    tracking: str | None  # the first code
    codes: tuple[str, ...] = ()  # every parcel's codes
    shipped: dict[str, int] = field(default_factory=dict)  # marketplace line -> units shipped
    parcels_of: dict[str, int] = field(default_factory=dict)  # line -> parcels holding it
    uncoded: bool = False  # a parcel without a code
    partial: bool = False  # some lines still to ship


@runtime_checkable
class MerchantFacts(Protocol):
    def facts(self, shop_id: str) -> ShopFacts:
        """One order's facts as the twin holds them."""
        ...


def moment(value: Any) -> datetime | None:
    """A twin's timestamp (ISO 8601, naive = UTC) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
