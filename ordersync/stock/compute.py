"""The stock rules (PRODUCT.md section 2, issue 4), as pure functions.

available = webshop stock - ordered but not yet in the webshop, never negative; a target also
loses its own platform's reservations (Amazon's pending orders in reservation mode), others do
not. Only quantities that differ from what the target was last sent are sent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from ordersync.stock.model import (
    Change,
    HubQuantities,
    Plan,
    Quantity,
    Target,
    WebshopStock,
)


def available(sku: str, webshop: int, unimported: int = 0, reserved: int = 0,
          cap: int | None = None) -> Quantity:
    """The quantity of one SKU to offer: never negative, never above ``cap``."""
    for name, value in (("unimported", unimported), ("reserved", reserved)):
        if value < 0:
            raise ValueError(f"{sku}: {name} quantity {value} is negative")
    amount = max(0, webshop - unimported - reserved)
    capped = cap is not None and amount > cap
    return Quantity(sku, min(amount, cap) if cap is not None else amount,
                    webshop, unimported, reserved, capped)


def quantities(stock: WebshopStock, hub: HubQuantities, target: Target, *,
               cap: int | None = None,
               skus: Iterable[str] | None = None) -> dict[str, Quantity]:
    """What ``target`` should offer for every SKU the webshop tracks (or only ``skus``)."""
    reserved = hub.reserved.get(target.platform, {})
    wanted = stock.quantities.keys() if skus is None else skus
    return {
        sku: available(sku, stock.quantities[sku], hub.unimported.get(sku, 0),
                   reserved.get(sku, 0), cap)
        for sku in wanted if sku in stock.quantities
    }


def plan(target: Target, wanted: Mapping[str, Quantity], last_sent: Mapping[str, int],
         *, listed: Collection[str] | None = None) -> Plan:
    """The changes to send, most urgent first: quantities that differ from ``last_sent``
    (SKU -> the quantity last sent and not known to have failed; absent = never sent). With
    ``listed`` (the SKUs the target has an offer/listing for), the others are left out as
    unmapped."""
    changes, unmapped, unchanged = [], [], 0
    for sku in sorted(wanted):
        if listed is not None and sku not in listed:
            unmapped.append(sku)
            continue
        previous = last_sent.get(sku)
        if previous == wanted[sku].quantity:
            unchanged += 1
            continue
        changes.append(Change(target, wanted[sku], previous))
    return Plan(target, tuple(sorted(changes, key=urgency)), unchanged, tuple(unmapped))


def urgency(change: Change) -> tuple[int, int, str]:
    """Sort key, most urgent first (for platforms that take only so many updates a run):
    sold out, then drops (the largest first) and quantities never sent, then rises."""
    quantity, previous = change.wanted.quantity, change.previous
    if quantity == 0:
        return (0, 0, change.sku)
    if previous is None or quantity < previous:
        return (1, quantity - (previous if previous is not None else quantity), change.sku)
    return (2, previous - quantity, change.sku)
