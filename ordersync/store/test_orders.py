"""The store side of test orders: placing one (a hub-made order, ``test=True``), finding the
ones whose loop is done and that are still to be cleaned up in the webshop, and counting them
apart from the marketplaces' orders. Each method is one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select

from ordersync.orders import MarketplaceOrder, OrderBatch, OrderStatus
from ordersync.store.base import _event
from ordersync.store.records import OrderRecord
from ordersync.store.repository import Action, Store
from ordersync.store.tables import OrderEventRow, OrderRow, RemoteWriteRow

CLEANUP = "cleanup_test_order"  # the remote write that removes a test order from the webshop
_LOOP_DONE = {OrderStatus.SHIPPED: Action.CONFIRM_SHIPMENT,
              OrderStatus.CANCELLED: Action.CANCEL_ON_MARKETPLACE}


class TestOrderStore:
    __test__ = False  # not a pytest class

    def __init__(self, store: Store) -> None:
        self.store = store

    def place(self, order: MarketplaceOrder, *, now: datetime) -> OrderRecord:
        """Store a test order as a new import (natural key: one row, whatever happens)."""
        if not order.test:
            raise ValueError("only test orders are placed by the hub")
        self.store.save_batch(OrderBatch(orders=(order,)), platform=order.platform,
                              account=order.account, now=now)
        record = self.store.find(order.platform, order.account, order.external_id)
        if record is None:  # pragma: no cover - save_batch quarantines what it refuses
            raise RuntimeError(f"test order {order.external_id} was not stored")
        with self.store.session() as s:
            _event(s, record.id, now, "info", "test_order",
                   "test order placed by the hub: never sent to the marketplace, deleted in "
                   "the webshop once its loop is done")
        return record

    def to_clean_up(self, platform: str, account: str) -> list[OrderRecord]:
        """Test orders of this account in a webshop whose loop is done (shipment or
        cancellation handled, i.e. skipped) and not cleaned up yet."""
        done = [and_(OrderRow.status == str(status), exists().where(
            OrderEventRow.order_id == OrderRow.id, OrderEventRow.kind == action))
            for status, action in _LOOP_DONE.items()]  # the push step's skip, recorded
        cleaned = exists().where(RemoteWriteRow.order_id == OrderRow.id,
                                 RemoteWriteRow.action == CLEANUP,
                                 RemoteWriteRow.state.in_(("done", "failed")))
        return self.store._records(and_(
            OrderRow.platform == platform, OrderRow.account == account,
            OrderRow.test.is_(True), OrderRow.webshop_order_id.is_not(None),
            done[0] | done[1], ~cleaned), None)

    def count(self) -> dict[str, int]:
        """Test orders by status (they are never counted as marketplace orders)."""
        with self.store.session() as s:
            rows = s.execute(select(OrderRow.status, func.count())
                             .where(OrderRow.test.is_(True)).group_by(OrderRow.status))
            return {status: n for status, n in rows}

    def cleaned_up(self, order_id: int) -> bool:
        with self.store.session() as s:
            return s.execute(select(RemoteWriteRow.state).where(
                RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == CLEANUP,
            )).scalar_one_or_none() == "done"
