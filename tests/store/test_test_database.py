"""The PostgreSQL test database is one per test process, so a test must find it empty whatever
the tests before it wrote. A hand-kept table list once left ``shop_orders`` rows behind, and a
shop import test on the other process order found two orders where it made one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, table

from ordersync.store import Store
from ordersync.store.shop_tables import ShopImportSkipRow
from ordersync.store.tables import Base
from tests.databases import empty_every_table, hub_tables

pytestmark = pytest.mark.postgres


def leave_a_row(store: Store) -> None:
    """A row in a table outside the order tables, as a shop import test leaves it."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(insert(ShopImportSkipRow).values(
            platform="shopify", account="a", external_id="1", kind="skipped", reason="test",
            message="left by an earlier test", seen=1, first_seen=now, last_seen=now))


def rows_left(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in hub_tables(store.engine)}


def test_every_table_of_the_hub_is_emptied(postgres_url):
    store = Store(postgres_url)
    try:
        assert set(hub_tables(store.engine)) == set(Base.metadata.tables)
        leave_a_row(store)
        empty_every_table(store.engine)
        assert set(rows_left(store).values()) == {0}, rows_left(store)
    finally:
        store.dispose()


# the two below run in this order (a file stays on one process): the first leaves a row
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_test_leaves_rows_behind(store):
    leave_a_row(store)
    assert sum(rows_left(store).values()) == 1


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_next_test_finds_every_table_empty(store):
    assert set(rows_left(store).values()) == {0}, rows_left(store)
