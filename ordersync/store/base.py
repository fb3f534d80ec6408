"""The store's foundation: the engine and sessions every capability store shares, and the row
helpers they all use (insert-or-ignore per dialect, the event log, rows to records)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, event, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ordersync.orders import ErrorReason, OrderLine, OrderStatus, can_transition
from ordersync.store.records import OrderRecord, address_from_json
from ordersync.store.schema_version import ensure_current
from ordersync.store.tables import OrderEventRow, OrderLineRow, OrderRow


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class StoreBase:
    """One database: the engine, a transaction per ``session()``, and the order rows as
    records. The capability stores (imports, writes, queries, watermarks) build on it."""

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False) -> None:
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            if make_url(url).get_driver_name() == "psycopg2":
                # a page's UPDATEs as a few execute_batch round trips, not one per row
                # (psycopg2's executemany is a loop; INSERTs already use multi-row VALUES)
                kwargs["executemany_mode"] = "values_plus_batch"
        self.engine: Engine = create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            ensure_current(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _records(
        self, condition: Any, limit: int | None, newest_first: bool = False
    ) -> list[OrderRecord]:
        """The orders matching ``condition`` with their lines: two Core queries (orders,
        then their lines), no ORM objects (a page of records is the loop's hottest read)."""
        orders, lines_table = OrderRow.__table__, OrderLineRow.__table__
        with self.session() as s:
            query = (select(orders).where(condition)
                     .order_by(orders.c.id.desc() if newest_first else orders.c.id))
            if limit is not None:
                query = query.limit(limit)
            rows = s.execute(query).all()
            if not rows:
                return []
            lines: dict[int, list[Any]] = {row.id: [] for row in rows}
            for line in s.execute(select(lines_table)
                                  .where(lines_table.c.order_id.in_(list(lines)))
                                  .order_by(lines_table.c.id)):
                lines[line.order_id].append(line)
            return [_record(row, lines[row.id]) for row in rows]

    @staticmethod
    def _row_by_external(s: Session, platform: str, account: str, ext: str) -> OrderRow | None:
        return s.execute(
            select(OrderRow).where(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.external_id == ext,
            )
        ).scalar_one_or_none()


def _line_rows(order_id: int, lines: Sequence[OrderLine]) -> list[OrderLineRow]:
    return [
        OrderLineRow(
            order_id=order_id,
            line_id=line.line_id,
            sku=line.sku,
            ean=line.ean,
            title=line.title,
            offer_id=line.offer_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in lines
    ]


def _flag_error(
    s: Session, row: OrderRow, reason: ErrorReason, message: str, now: datetime, *, kind: str
) -> OrderStatus:
    """Put ``row`` in ERROR with the reason; where that is not allowed (cancelled), MANUAL:
    the merchant takes over; a manual order keeps its status and gets the reason logged."""
    current = OrderStatus(row.status)
    note = ""
    if can_transition(current, OrderStatus.ERROR) and current != OrderStatus.MANUAL:
        row.status = str(OrderStatus.ERROR)
    elif current != OrderStatus.MANUAL and can_transition(current, OrderStatus.MANUAL):
        row.status = str(OrderStatus.MANUAL)
        note = f" (it was {current}; the order is manual now: handle it on the platform)"
    row.error_reason, row.error_message, row.updated_at = str(reason), message, now
    _event(s, row.id, now, "error", kind, f"{reason}: {message}{note}")
    return OrderStatus(row.status)


def _event(
    s: Session,
    order_id: int,
    now: datetime,
    level: str,
    kind: str,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    s.add(
        OrderEventRow(order_id=order_id, at=now, level=level, kind=kind, message=message, data=data)
    )


def _record(row: Any, lines: Sequence[Any] | None = None) -> OrderRecord:
    """An order row (ORM object or Core row) as a record; ``lines`` default to its own."""
    return OrderRecord(
        id=row.id,
        platform=row.platform,
        account=row.account,
        external_id=row.external_id,
        status=OrderStatus(row.status),
        error_reason=row.error_reason,
        currency=row.currency,
        total=row.total,
        placed_at=row.placed_at,
        test=row.test,
        lines=tuple(
            OrderLine(
                line_id=ln.line_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                sku=ln.sku,
                ean=ln.ean,
                title=ln.title,
                offer_id=ln.offer_id,
            )
            for ln in (row.lines if lines is None else lines)
        ),
        shipping_address=address_from_json(row.shipping_address),
        billing_address=address_from_json(row.billing_address),
        webshop_order_id=row.webshop_order_id,
        waiting_since=row.waiting_since,
        shipped_at=row.shipped_at,
        tracking_number=row.tracking_number,
        carrier=row.carrier,
        carrier_code=row.carrier_code,
        carrier_name=row.carrier_name,
        marketplace_confirmed_at=row.marketplace_confirmed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event open the transaction (as BEGIN IMMEDIATE, below), so
    # overlapping runs queue for the write lock instead of failing on a stale snapshot.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")

