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


def test_head_is_the_newest_migration():
    """``schema_version.HEAD`` must move with every new migration script."""
    from alembic.script import ScriptDirectory

    from ordersync.store.migrate import alembic_config
    from ordersync.store.schema_version import HEAD

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


def test_an_older_database_is_still_migrated_to_head(tmp_path):
    from sqlalchemy import create_engine, inspect

    from ordersync.store import Store
    from ordersync.store.migrate import upgrade
    from ordersync.store.schema_version import HEAD, revision_of

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0007")
    assert revision_of(engine) == "0007"
    assert "marketplace_cancellations" not in inspect(engine).get_table_names()
    engine.dispose()
    store = Store(url)
    assert revision_of(store.engine) == HEAD
    store.dispose()


def test_opening_a_current_database_does_not_import_alembic(tmp_path):
    """Every flow run opens the store: a current schema costs one SELECT, not Alembic."""
    from ordersync.store import Store
    from tests.imported import imported_after

    url = f"sqlite:///{tmp_path / 'current.db'}"
    Store(url).dispose()
    code = f"from ordersync.store import Store\nStore({url!r}).dispose()"
    assert imported_after(code, "alembic") == {"alembic": False}
