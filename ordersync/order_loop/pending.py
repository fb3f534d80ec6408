"""Amazon's pending orders in the import step (PRODUCT.md section 2), per connection setting:

- ``import``: a pending order is stored as ``pending`` (no address, prices or real e-mail);
  it is never created in the webshop nor edited while pending, and its quantity counts against
  the stock of every marketplace. Once Amazon lists it as paid it is fetched again, completed
  with address and prices, and goes on through the normal loop. Amazon's own (fraud-check)
  cancellation cancels it in the hub, which books its quantity back.
- ``reserve``: a pending order is not imported; its lines are reserved, which lowers only the
  quantity sent to Amazon. The reservation is released when the order is imported (paid),
  cancelled by Amazon, or unknown to Amazon.

How paid and cancelled orders are noticed without extra calls: the connector's listing of
open orders (Pending, Unshipped, PartiallyShipped) fills ``listed_statuses`` page by page
*before* asking which ids the hub knows, so ``known`` can hand a paid order's id back as
unknown (its details are then fetched with the page). Orders no longer listed at all are
looked up by id once (``order_statuses``): Canceled, or paid outside the listing window.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Protocol, runtime_checkable

from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.results import StepResult
from ordersync.orders import MarketplaceOrder, OrderBatch, OrderStatus, Quarantined
from ordersync.store.pending import PendingStore

log = logging.getLogger("ordersync.order_loop.pending")

PENDING = "Pending"  # Amazon's OrderStatus values
CANCELED = "Canceled"


@runtime_checkable
class PendingAware(Protocol):
    """A marketplace connector with pending orders (Amazon)."""

    listed_statuses: dict[str, str]

    def order_statuses(self, ids: Collection[str]) -> dict[str, str]: ...

    def fetch_order(self, order_id: str) -> MarketplaceOrder | Quarantined: ...


class PendingImport:
    """One import run's handling of pending orders; see the module docstring."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx, self.result = ctx, StepResult()
        self.mp, self.store = ctx.marketplace, PendingStore(ctx.store)
        self.mode = getattr(ctx.settings, "pending_orders", "reserve")
        self.aware = isinstance(self.mp, PendingAware)
        self.in_hub = self.store.pending_ids(self.mp.platform, self.mp.account)
        self.reserved = self.store.reserved_ids(self.mp.platform, self.mp.account)
        self.settled: set[str] = set()  # pending ids dealt with in this run

    def _listed(self) -> dict[str, str]:
        return getattr(self.mp, "listed_statuses", None) or {}

    def known(self, ids: Collection[str]) -> set[str]:
        """The ids whose details need not be fetched: the hub's known ones, minus its
        pending orders Amazon lists as no longer pending (paid: fetch them), plus reserved
        orders still pending (their lines are reserved already)."""
        listed = self._listed()
        known = self.ctx.store.known_external_ids(self.mp.platform, self.mp.account, ids)
        known -= {i for i in known & self.in_hub if listed.get(i, PENDING) != PENDING}
        known |= {i for i in ids if i in self.reserved and listed.get(i) == PENDING}
        return known

    def sort(self, batch: OrderBatch) -> OrderBatch:
        """Deal with the page's pending orders and paid pending orders; return the rest for
        the normal import."""
        new: list[MarketplaceOrder] = []
        pending: list[MarketplaceOrder] = []
        for order in batch.orders:
            if order.external_id in self.in_hub:
                if not order.pending:
                    self._complete(order)
            elif order.pending:
                pending.append(order)
            else:
                new.append(order)
        rejected = []
        for bad in batch.rejected:
            if bad.external_id in self.in_hub:
                self._fail(bad)
            else:
                rejected.append(bad)
        if pending:
            self._pending(pending)
        return OrderBatch(tuple(new), tuple(rejected), batch.cancellation_requests,
                          batch.cancellations)

    def saved(self, batch: OrderBatch) -> None:
        """After the normal import stored ``batch``: reserved orders in it are imported."""
        ids = [o.external_id for o in batch.orders if o.external_id in self.reserved]
        self._release(ids, "imported: paid on the marketplace")

    def finish(self) -> StepResult:
        """Pending orders Amazon no longer lists as open: cancelled (fraud check), paid
        outside the listing window, or unknown. Returns the run's counts."""
        if not self.aware:
            return self.result
        listed = self._listed()
        unlisted = sorted(i for i in (self.in_hub | self.reserved) - self.settled
                          if i not in listed)
        statuses = self.mp.order_statuses(unlisted) if unlisted else {}  # type: ignore[attr-defined]
        for order_id in unlisted:
            status = statuses.get(order_id)
            if status == PENDING:
                continue
            if status == CANCELED:
                self._cancelled(order_id)
            elif status is None:
                self._unknown(order_id)
            else:  # paid, but outside the listing window: fetch it in full
                self._fetch(order_id)
        return self.result

    # -- the transitions ------------------------------------------------------------------

    def _pending(self, orders: list[MarketplaceOrder]) -> None:
        now = self.ctx.clock()
        if self.mode == "import":
            saved = self.ctx.store.save_batch(
                OrderBatch(tuple(orders)), platform=self.mp.platform, account=self.mp.account,
                now=now, initial_status=OrderStatus.PENDING)
            self.result.add("pending", saved.created)
            self.in_hub.update(o.external_id for o in orders)
            self.settled.update(o.external_id for o in orders)
            return
        for order in orders:
            if self.store.reserve(order, now):
                self.result.add("reserved")
            self.reserved.add(order.external_id)
            self.settled.add(order.external_id)

    def _complete(self, order: MarketplaceOrder) -> None:
        self.settled.add(order.external_id)
        if self.store.complete(order, self.ctx.clock()):
            self.result.add("paid")
            self.in_hub.discard(order.external_id)

    def _fail(self, bad: Quarantined) -> None:
        self.settled.add(bad.external_id or "")
        if self.store.fail(self.mp.platform, self.mp.account, bad, self.ctx.clock()):
            self.result.add("quarantined")
            self.in_hub.discard(bad.external_id or "")

    def _cancelled(self, order_id: str) -> None:
        now = self.ctx.clock()
        if order_id in self.in_hub and self.store.cancel(
                self.mp.platform, self.mp.account, order_id,
                f"cancelled by {self.mp.platform} while pending (fraud check); its quantity "
                "counts as available again", now):
            self.result.add("pending_cancelled")
        self._release([order_id], f"cancelled by {self.mp.platform} while pending")

    def _unknown(self, order_id: str) -> None:
        if order_id in self.reserved:
            self._release([order_id], f"{self.mp.platform} does not know the order any more")
        else:
            log.warning("%s: pending order %s not found on the marketplace; left pending",
                        self.mp.platform, order_id)

    def _fetch(self, order_id: str) -> None:
        found = self.mp.fetch_order(order_id)  # type: ignore[attr-defined]
        if isinstance(found, Quarantined):
            batch = OrderBatch(rejected=(found,))
        elif found.pending:
            return
        else:
            batch = OrderBatch(orders=(found,))
        rest = self.sort(batch)
        if rest.orders or rest.rejected:
            saved = self.ctx.store.save_batch(rest, platform=self.mp.platform,
                                              account=self.mp.account, now=self.ctx.clock())
            self.result.add("imported", saved.created + saved.repaired)
            self.result.add("quarantined", saved.quarantined)
            self.saved(rest)

    def _release(self, ids: list[str], reason: str) -> None:
        ids = [i for i in ids if i in self.reserved]
        if not ids:
            return
        released = self.store.release(self.mp.platform, self.mp.account, ids, reason,
                                      self.ctx.clock())
        self.reserved.difference_update(ids)
        self.settled.update(ids)
        if released:
            self.result.add("reservations_released", len(ids))
