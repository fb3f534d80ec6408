"""Is the database's schema current? Answered without Alembic, whose import (Mako, Pygments:
about 0.16 CPU-s) every flow-run process would otherwise pay to learn that nothing is to do.

``HEAD`` is the newest migration's revision (``tests/store/test_migrations.py`` checks it
against the scripts); a database at ``HEAD`` is left alone, any other state - new, older,
unreadable - goes through ``ordersync.store.migrate.upgrade`` as before."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

HEAD = "0008"


def revision_of(engine: Engine) -> str | None:
    """The revision in ``alembic_version``; None when there is none (or no table yet)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def ensure_current(engine: Engine) -> None:
    """Migrate the database to ``HEAD`` unless it is there already."""
    if revision_of(engine) == HEAD:
        return
    # imported here, not at the top: Alembic is only needed when there is a migration to run
    from ordersync.store.migrate import upgrade

    upgrade(engine)
