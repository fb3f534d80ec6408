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
