"""Queries: the orders each sync step works on, the overview, the event log and the state
of the intents. Read-only."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from ordersync.orders import OrderStatus
from ordersync.store.base import StoreBase
from ordersync.store.records import OrderRecord
from ordersync.store.tables import OrderEventRow, OrderRow, RemoteWriteRow
from ordersync.store.writes import Action


class QueryStore(StoreBase):
    """What the steps, the CLI and the checks read."""

    def orders_needing_webshop(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status.in_([OrderStatus.NOT_SHIPPED, OrderStatus.CANCELLATION_REQUEST]),
                OrderRow.webshop_order_id.is_(None),
            ),
            limit,
        )

    def orders_by_webshop_ids(
        self,
        webshop_platform: str,
        webshop_account: str,
        ids: Collection[str],
        *,
        platform: str,
        account: str,
        statuses: Collection[OrderStatus] | None = None,
    ) -> dict[str, OrderRecord]:
        """The orders of one marketplace account with these webshop ids (and, if given, in
        one of ``statuses``): a webshop shared by several connections holds every
        connection's orders, and each acts on its own only."""
        if not ids:
            return {}
        where = and_(
            OrderRow.platform == platform,
            OrderRow.account == account,
            OrderRow.webshop_platform == webshop_platform,
            OrderRow.webshop_account == webshop_account,
            OrderRow.webshop_order_id.in_(list(ids)),
        )
        if statuses is not None:
            where = and_(where, OrderRow.status.in_([str(s) for s in statuses]))
        records = self._records(where, None)
        return {r.webshop_order_id: r for r in records if r.webshop_order_id}

    def first_unresolved_create(self, platform: str, account: str) -> datetime | None:
        """When the oldest webshop create of this marketplace account whose outcome is not
        known yet was first tried (claimed, not done, the order still without a webshop id),
        or None. The webshop may hold such an order without the hub knowing its id."""
        with self.session() as s:
            return s.execute(
                select(func.min(RemoteWriteRow.created_at))
                .join(OrderRow, OrderRow.id == RemoteWriteRow.order_id)
                .where(
                    RemoteWriteRow.action == Action.CREATE_IN_WEBSHOP,
                    RemoteWriteRow.state.in_(("pending", "submitted")),
                    RemoteWriteRow.attempts > 0,
                    OrderRow.platform == platform,
                    OrderRow.account == account,
                    OrderRow.webshop_order_id.is_(None),
                    OrderRow.status.in_(
                        [OrderStatus.NOT_SHIPPED, OrderStatus.CANCELLATION_REQUEST]
                    ),
                )
            ).scalar_one_or_none()

    def orders_to_confirm(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.SHIPPED,
                OrderRow.marketplace_confirmed_at.is_(None),
            ),
            limit,
        )

    def orders_to_cancel_on_marketplace(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.CANCELLED,
                OrderRow.marketplace_confirmed_at.is_(None),
                OrderRow.webshop_order_id.is_not(None),
            ),
            limit,
        )

    def overdue_waiting(self, platform: str, account: str, cutoff: datetime) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.WAITING,
                OrderRow.waiting_since <= cutoff,
            ),
            None,
        )

    def get(self, order_id: int) -> OrderRecord:
        records = self._records(OrderRow.id == order_id, 1)
        if not records:
            raise KeyError(f"no order with id {order_id}")
        return records[0]

    def find(self, platform: str, account: str, external_id: str) -> OrderRecord | None:
        records = self._records(
            and_(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.external_id == external_id,
            ),
            1,
        )
        return records[0] if records else None

    def list_orders(self, status: OrderStatus | None = None, limit: int = 50) -> list[OrderRecord]:
        condition = OrderRow.status == status if status is not None else OrderRow.id > 0
        return self._records(condition, limit, newest_first=True)

    def count_by_status(self) -> dict[str, int]:
        """Marketplace orders by status; the hub's own test orders are not among them."""
        with self.session() as s:
            rows = s.execute(select(OrderRow.status, func.count())
                             .where(OrderRow.test.is_(False)).group_by(OrderRow.status))
            return {status: n for status, n in rows}

    def events(self, order_id: int) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(
                select(OrderEventRow)
                .where(OrderEventRow.order_id == order_id)
                .order_by(OrderEventRow.id)
            ).scalars()
            return [
                {"at": r.at, "level": r.level, "kind": r.kind, "message": r.message} for r in rows
            ]

    def write_states(self, action: str) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(
                select(RemoteWriteRow.state, func.count())
                .where(RemoteWriteRow.action == action)
                .group_by(RemoteWriteRow.state)
            )
            return {state: n for state, n in rows}
