"""``prefect server start`` for the embedded default: the same server, but on SQLite every
explicit transaction takes the write lock when it begins (``BEGIN IMMEDIATE``).

Why: Prefect 3.8 opens its SQLite transactions ``DEFERRED`` unless a caller asks for
``with_for_update``. A deferred transaction that reads (e.g. the automation trigger reading its
bucket) and then writes must upgrade its read snapshot to a write lock. In WAL mode SQLite
refuses that upgrade at once with ``database is locked`` when another connection wrote in the
meantime: the busy timeout is never consulted (a waiting reader could deadlock the writer).
The server runs its API and every service on one pool of connections to one file, so under a
few concurrent flow runs this fails many times a minute (the triggers consumer retries, then
moves the event to the dead-letter queue). ``BEGIN IMMEDIATE`` makes such a transaction wait
for the lock up front, under the 60 s busy timeout Prefect sets on every connection: the mode
Prefect itself uses for its migrations, state changes and deployment status updates, whose
comment in ``prefect/server/models/deployments.py`` describes this very failure. A nested
explicit transaction inside another one now waits for the outer one's lock; Prefect's state
changes already took that lock, and no run of the demo or the tests hit such a wait.

The configuration is installed through Prefect's own injection point for the database
configuration (``MODELS_DEPENDENCIES``), before the CLI starts the server in this process.
PostgreSQL (``PREFECT_API_DATABASE_CONNECTION_URL``) is left to Prefect's own configuration.

Run as ``python -m ordersync.prefect_server server start ...`` (any ``prefect`` CLI arguments).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from prefect.server.database.configurations import AioSqliteConfiguration
from prefect.server.database.dependencies import MODELS_DEPENDENCIES
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction


class ImmediateSqliteConfiguration(AioSqliteConfiguration):
    """Prefect's SQLite configuration with ``BEGIN IMMEDIATE`` for every explicit transaction."""

    @asynccontextmanager
    async def begin_transaction(
        self, session: AsyncSession, with_for_update: bool = False
    ) -> AsyncGenerator[AsyncSessionTransaction, None]:
        async with super().begin_transaction(session, with_for_update=True) as transaction:
            yield transaction


def install() -> bool:
    """Use ImmediateSqliteConfiguration in this process if the server's database is SQLite."""
    from prefect.server.utilities.database import get_dialect
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = PREFECT_API_DATABASE_CONNECTION_URL.value()
    if get_dialect(url).name != "sqlite":
        return False
    MODELS_DEPENDENCIES["database_config"] = ImmediateSqliteConfiguration(connection_url=url)
    return True


def main() -> None:
    from prefect.cli import app

    install()
    app()  # reads sys.argv


if __name__ == "__main__":
    main()
