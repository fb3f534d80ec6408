"""The store side of Amazon's pending orders (PRODUCT.md section 2): orders imported as
``pending`` and completed once paid, their cancellation by Amazon, the reservations of
pending orders that were not imported, and orders the hub hands over to the merchant because
the marketplace has no API for what is needed. Each method is one transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update

from ordersync.orders import MarketplaceOrder, OrderStatus, Quarantined, check_transition
from ordersync.orders.limits import clean_json
from ordersync.store.records import address_to_json
from ordersync.store.repository import Store, _event, _insert, _line_rows
from ordersync.store.stock_tables import StockReservationRow
from ordersync.store.tables import OrderRow, RemoteWriteRow

ACTIVE, RELEASED = "active", "released"


class PendingStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- orders imported as pending -------------------------------------------------------

    def pending_ids(self, platform: str, account: str) -> set[str]:
        with self.store.session() as s:
            return set(s.scalars(select(OrderRow.external_id).where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderRow.status == OrderStatus.PENDING)))

    def _pending_row(self, s, platform: str, account: str, external_id: str) -> OrderRow | None:
        return s.execute(select(OrderRow).where(
            OrderRow.platform == platform, OrderRow.account == account,
            OrderRow.external_id == external_id, OrderRow.status == OrderStatus.PENDING,
        ).with_for_update()).scalar_one_or_none()

    def complete(self, order: MarketplaceOrder, now: datetime) -> bool:
        """A pending order is paid: take its address, prices and lines as fetched now and let
        it go on as ``not_shipped``. False when it is no longer pending."""
        with self.store.session() as s:
            row = self._pending_row(s, order.platform, order.account, order.external_id)
            if row is None:
                return False
            row.status = str(check_transition(row.status, OrderStatus.NOT_SHIPPED))
            row.placed_at, row.currency, row.total = order.placed_at, order.currency, order.total
            row.shipping_address = address_to_json(order.shipping_address)
            row.billing_address = address_to_json(order.billing_address)
            row.test, row.updated_at = order.test, now
            row.lines.clear()
            s.flush()
            s.add_all(_line_rows(row.id, order.lines))
            _event(s, row.id, now, "info", "paid",
                   f"paid on {order.platform}: address and prices fetched; goes on as "
                   f"{OrderStatus.NOT_SHIPPED}")
            return True

    def fail(self, platform: str, account: str, bad: Quarantined, now: datetime) -> bool:
        """A pending order was paid but its full payload is unusable: ERROR with the reason
        (fetched again next cycle, like any quarantined order)."""
        with self.store.session() as s:
            row = self._pending_row(s, platform, account, bad.external_id or "")
            if row is None:
                return False
            row.status = str(check_transition(row.status, OrderStatus.ERROR))
            row.error_reason, row.error_message = str(bad.reason), bad.message
            row.raw, row.updated_at = clean_json(dict(bad.raw)), now
            _event(s, row.id, now, "error", "quarantined", f"{bad.reason}: {bad.message}")
            return True

    def cancel(self, platform: str, account: str, external_id: str, message: str,
               now: datetime) -> bool:
        """Amazon cancelled a pending order (fraud check): cancelled in the hub; its quantity
        no longer counts against the stock."""
        with self.store.session() as s:
            row = self._pending_row(s, platform, account, external_id)
            if row is None:
                return False
            row.status = str(check_transition(row.status, OrderStatus.CANCELLED))
            row.updated_at = now
            _event(s, row.id, now, "warning", "cancelled", message)
            return True

    # -- reservations ---------------------------------------------------------------------

    def reserve(self, order: MarketplaceOrder, now: datetime) -> int:
        """Reserve a pending order's lines (insert-or-ignore); the number of new lines."""
        rows = [{"platform": order.platform, "account": order.account,
                 "external_id": order.external_id, "line_id": line.line_id, "sku": line.sku,
                 "quantity": line.quantity, "state": ACTIVE, "created_at": now,
                 "updated_at": now} for line in order.lines]
        if not rows:
            return 0
        with self.store.session() as s:
            result = s.execute(
                _insert(self.store.dialect)(StockReservationRow).values(rows)
                .on_conflict_do_nothing(
                    index_elements=["platform", "account", "external_id", "line_id"])
                .returning(StockReservationRow.id))
            return len(result.all())

    def reserved_ids(self, platform: str, account: str) -> set[str]:
        """Orders with an active reservation."""
        with self.store.session() as s:
            return set(s.scalars(select(StockReservationRow.external_id).where(
                StockReservationRow.platform == platform,
                StockReservationRow.account == account,
                StockReservationRow.state == ACTIVE).distinct()))

    def release(self, platform: str, account: str, external_ids: Collection[str], reason: str,
                now: datetime) -> int:
        """Release the active reservations of these orders; the number of lines released."""
        if not external_ids:
            return 0
        with self.store.session() as s:
            result = s.execute(
                update(StockReservationRow)
                .where(StockReservationRow.platform == platform,
                       StockReservationRow.account == account,
                       StockReservationRow.external_id.in_(list(external_ids)),
                       StockReservationRow.state == ACTIVE)
                .values(state=RELEASED, reason=reason[:500], updated_at=now)
                .execution_options(synchronize_session=False))
            return result.rowcount or 0

    def reservations(self, platform: str | None = None,
                     state: str | None = ACTIVE) -> list[dict]:
        """Reservation lines (for the CLI and tests), oldest first."""
        query = select(StockReservationRow).order_by(StockReservationRow.id)
        if platform is not None:
            query = query.where(StockReservationRow.platform == platform)
        if state is not None:
            query = query.where(StockReservationRow.state == state)
        with self.store.session() as s:
            return [{"platform": r.platform, "account": r.account, "order": r.external_id,
                     "line": r.line_id, "sku": r.sku, "quantity": r.quantity,
                     "state": r.state, "reason": r.reason, "since": r.created_at,
                     "updated_at": r.updated_at} for r in s.scalars(query)]

    # -- the marketplace cannot do it: the merchant takes over ----------------------------

    def hand_over(self, order_id: int, action: str, *, expected: OrderStatus, reason: str,
                  message: str, now: datetime) -> bool:
        """The marketplace has no API for ``action``: the order becomes ``manual`` (the hub
        stops acting on it) with the reason and a warning that says what to do; the intent
        ends as failed. False when the order is no longer in the ``expected`` status."""
        with self.store.session() as s:
            row = s.execute(select(OrderRow).where(OrderRow.id == order_id)
                            .with_for_update()).scalar_one()
            if row.status != expected:
                return False
            row.status = str(check_transition(row.status, OrderStatus.MANUAL))
            row.error_reason, row.error_message, row.updated_at = reason, message, now
            _event(s, order_id, now, "warning", action, message)
            s.execute(update(RemoteWriteRow)
                      .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
                      .values(state="failed", owner=None, lease_until=None,
                              last_error=message[:2000], updated_at=now))
            return True
