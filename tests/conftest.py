"""Shared fixtures: isolated homes, stores on SQLite and PostgreSQL, and one Prefect server
per test session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import prefect.main  # noqa: F401  (see below)
import pytest

from ordersync.local import LocalPrefect
from ordersync.sandbox.stack import SandboxStack
from tests.databases import empty_every_table

# Prefect sets up its logging (a console handler bound to the sys.stderr of that moment) when
# it is first imported. Imported here, at collection, it binds to the session's stream; first
# imported inside a test that captures output (capsys), every later flow run in the session
# would log to that test's closed capture file ("I/O operation on closed file").
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TESTS = Path(__file__).resolve().parent
PG_ADMIN_URL = os.environ.get(
    "ORDERSYNC_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


# `./run tests` runs the suite in two passes: every test not marked `serial` on two processes,
# then the `serial` ones one at a time. Serial are the slow tests that run a real Prefect
# server's schedules, workers and automations, kill its processes or time a demo: they wait on
# deadlines and must not compete for the two cores. The other slow tests (chaos trials and
# storms, property-based tests) share the first pass: they only use the CPU, and a busier
# machine only means more faults for the chaos trials, which they must survive anyway.
PARALLEL_SLOW = ("chaos/", "lightspeed/test_lightspeed_chaos.py", "spec/",
                 "sync/test_bad_input_properties.py")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path.resolve().relative_to(TESTS).as_posix()
        if item.get_closest_marker("slow") is not None and not path.startswith(PARALLEL_SLOW):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """Never touch ~/.ordersync or ~/.prefect from tests."""
    home = tmp_path_factory.mktemp("ordersync-home")
    os.environ["ORDERSYNC_HOME"] = str(home)
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.pop("ORDERSYNC_DATABASE_URL", None)
    yield home


def _postgres_database():
    """Create a throw-away database; returns (url, drop) or None when no server is there."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ordersync_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        return None
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def postgres_url():
    created = _postgres_database()
    if created is None:
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} (set ORDERSYNC_TEST_POSTGRES_URL)")
    url, drop = created
    yield url
    drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A migrated, empty Store on each backend."""
    from ordersync.store import Store

    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    s = Store(url)
    empty_every_table(s.engine)  # whatever an earlier test of this process left
    yield s
    empty_every_table(s.engine)
    s.dispose()


# ---- one real Prefect server per test session (a local SQLite server on a free port), shared
# by tests/flows, tests/actions and tests/browser -------------------------------------------


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = LocalPrefect(tmp_path_factory.mktemp("prefect-stack"))
    server.start_server()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all()  # send buffered logs before the server goes
    finally:
        server.stop()


@pytest.fixture(scope="module")
def flow_sandbox():
    with SandboxStack(rate_limits=False) as stack:
        yield stack
