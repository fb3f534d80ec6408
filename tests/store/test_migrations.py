"""The Alembic migrations produce exactly the schema the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ordersync.store.tables import Base


def test_migrations_match_the_tables(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(store):
    from ordersync.store.migrate import upgrade

    upgrade(store.engine)
    assert store.count_by_status() == {}


def test_unconfirmed_orders_query_uses_its_index(tmp_path):
    """The per-cycle 'shipped, not yet confirmed' lookup must not scan order history."""
    from sqlalchemy import event

    from ordersync.store import Store

    store = Store(f"sqlite:///{tmp_path / 'plan.db'}")
    statements = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, ctx, many: statements.append((sql, params)))
    store.orders_to_confirm("bolcom", "acc", 200)
    sql, params = next(s for s in statements if "FROM orders" in s[0])
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    assert "ix_orders_unconfirmed" in str(plan), plan
    store.dispose()
