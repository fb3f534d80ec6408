"""One real Prefect server per test session (a local SQLite server on a free port)."""

from __future__ import annotations

import pytest

from ordersync.local import LocalPrefect
from ordersync.sandbox.stack import SandboxStack


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


def save_connection(name: str, stack: SandboxStack, **settings) -> None:
    from ordersync.blocks.sandbox import save_sandbox_connection

    save_sandbox_connection(name, stack, rate_limits=False, **settings)
