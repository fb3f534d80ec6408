"""What the stock computation works on: the webshop's stock, the hub's open quantities, and
what was last sent to each marketplace. Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class WebshopStock:
    """Stock per SKU as one webshop reports it (tracked products only).

    ``untracked``: SKUs whose stock the shop does not manage (no number to offer);
    ``duplicates``: SKUs found on more than one product/variant (the first one counts).
    """

    quantities: Mapping[str, int]
    untracked: frozenset[str] = frozenset()
    duplicates: frozenset[str] = frozenset()


@runtime_checkable
class StockSource(Protocol):
    """A webshop connector that can report its stock."""

    platform: str
    account: str

    def read_stock(self) -> WebshopStock:
        """Every tracked SKU's stock (paged through the whole catalogue)."""
        ...


@dataclass(frozen=True, slots=True)
class Offer:
    """A marketplace's own listing of a SKU (bol.com: an offer found by its reference)."""

    offer_id: str
    sku: str | None
    ean: str | None = None
    fulfilment: str | None = None  # bol.com FBR (retailer ships) | FBB (bol.com ships)
    stock: int | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """One marketplace account the stock is sent to."""

    platform: str
    account: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.account}"


@dataclass(frozen=True, slots=True)
class HubQuantities:
    """What the hub knows that the webshop's stock does not show yet, per SKU.

    ``unimported``: ordered on a marketplace, in the hub, but not yet created in the webshop
    (so the webshop has not taken it off its stock); counts against every marketplace.
    ``reserved``: per platform, quantities of pending orders that were not imported
    (reservation mode); counts only against that platform's own accounts.
    """

    unimported: Mapping[str, int] = field(default_factory=dict)
    reserved: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Quantity:
    """The quantity to offer for one SKU on one target, and why."""

    sku: str
    quantity: int
    webshop: int
    unimported: int
    reserved: int
    capped: bool = False  # the platform's maximum applied (bol.com: 999)

    @property
    def why(self) -> str:
        text = f"webshop {self.webshop} - ordered {self.unimported} - reserved {self.reserved}"
        return text + (" (capped)" if self.capped else "")


@dataclass(frozen=True, slots=True)
class Change:
    """A quantity that differs from what the target was last sent."""

    target: Target
    wanted: Quantity
    previous: int | None  # None: never sent

    @property
    def sku(self) -> str:
        return self.wanted.sku


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change for one target, plus what was left out and why."""

    target: Target
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    unmapped: tuple[str, ...] = ()  # SKUs the target has no listing/offer for

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)
