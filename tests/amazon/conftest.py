"""Fixtures: one Amazon twin served on a free port per module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordersync.connectors.amazon import AmazonConnector
from ordersync.sandbox.amazon import AmazonTwin
from ordersync.sandbox.common import ServedApp
from tests.amazon.helpers import CLIENT_ID, REFRESH, SECRET, Clock, make_connector


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def twin(clock: Clock) -> AmazonTwin:
    return AmazonTwin(clients={CLIENT_ID: (SECRET, REFRESH)}, rate_limits=False, clock=clock)


@pytest.fixture(scope="module")
def served(twin: AmazonTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture(autouse=True)
def clean(twin: AmazonTwin, clock: Clock) -> None:
    twin.reset()
    twin.controls.rate_limits = False
    twin.items_page_size = 100
    clock.offset = 0.0


@pytest.fixture
def connector(served: ServedApp, clock: Clock) -> Iterator[AmazonConnector]:
    conn = make_connector(served.url, clock)
    yield conn
    conn.close()
