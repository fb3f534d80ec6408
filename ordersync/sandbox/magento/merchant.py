"""The merchant in Magento's admin, on the twin (``ShopMerchant``).

- ``ship`` with ``lines`` None is the admin's *Invoice* + *Ship* of everything left (the order
  becomes ``complete``); with ``lines`` it creates one shipment of those quantities (the order
  stays ``processing``, not invoiced, until the merchant invoices it). A code becomes one
  track: ``ups``, ``dhl``, ``fedex``, ``usps`` as Magento's own ``carrier_code``, any other
  carrier as ``custom`` with the carrier as ``title``.
- ``add_tracking`` adds a track to the order's latest shipment (Shipment > Add Tracking).
- ``cancel`` cancels the whole order; Magento's admin has no per-line cancellation (a line is
  taken out with a credit memo, a refund), so ``lines`` raises NotImplementedError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ordersync.sandbox.magento.errors import MagentoError
from ordersync.sandbox.magento.store import DEFAULT_SOURCE
from ordersync.sandbox.magento.twin import MagentoTwin
from ordersync.sandbox.merchant import CatalogItem


class MagentoMerchant:
    platform = "magento"

    def __init__(self, twin: MagentoTwin) -> None:
        self.twin = twin
        self.store = twin.store

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            self.twin.add_product(item.sku, item.title, float(item.price), item.stock)

    def orders_for(self, reference: str) -> list[str]:
        with self.store.lock:
            return [str(o["entity_id"]) for o in self.twin.orders_with_reference(reference)]

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        with self.store.lock:
            shipment = self.store.ship_lines(int(shop_id), lines, code, carrier)
            return str(shipment["entity_id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        with self.store.lock:
            self.store.track_latest(int(shop_id), code, carrier)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        if lines is not None:
            raise NotImplementedError("Magento cancels whole orders only; a line is taken out "
                                      "with a credit memo (refund)")
        with self.store.lock:
            if not self.store.cancel(int(shop_id)):
                state = self.store.order(int(shop_id))["state"]
                raise MagentoError(400, "You cannot cancel the order (state %1).", [state])

    def order_state(self, shop_id: str) -> str:
        with self.store.lock:
            return str(self.store.order(int(shop_id))["status"])

    def stock(self, sku: str) -> int | None:
        with self.store.lock:
            item = self.store.source_items.get((sku, DEFAULT_SOURCE))
            return None if item is None else int(item["quantity"])

    def reset(self) -> None:
        self.twin.reset()
