"""The PostgreSQL test database's clean-up (import as ``tests.databases``).

Each test process keeps one PostgreSQL database for its whole session (creating one per test
would cost seconds), so every fixture that writes to it empties it again. It empties every
table the migrations made, read from the database itself: a list kept by hand misses the
next table (a shop import test once failed on rows another test had left in ``shop_orders``).
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

KEEP = frozenset({"alembic_version"})


def hub_tables(engine: Engine) -> list[str]:
    """Every table of the hub's schema, the migrations' bookkeeping left out."""
    return sorted(set(inspect(engine).get_table_names()) - KEEP)


def empty_every_table(engine: Engine) -> None:
    """Truncate every hub table (PostgreSQL); SQLite test stores are thrown away instead."""
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(f'"{name}"' for name in hub_tables(engine))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
