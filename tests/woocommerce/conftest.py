"""Fixtures: a WooCommerce twin served on a free port, a fake clock, a connector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.woocommerce import WooCommerceTwin
from tests.woocommerce.helpers import KEY, SECRET, FakeClock


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def twin(clock: FakeClock) -> WooCommerceTwin:
    return WooCommerceTwin({KEY: SECRET}, clock=clock)


@pytest.fixture(scope="module")
def served(twin: WooCommerceTwin) -> Iterator[ServedApp]:
    app = ServedApp(twin.app).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def _fresh(request) -> None:
    if "twin" in request.fixturenames:
        twin = request.getfixturevalue("twin")
        twin.reset()
        twin.set_currency("EUR")
        twin.controls.faults.clear()
        twin.controls.requests.clear()


@pytest.fixture
def connector(served: ServedApp, clock: FakeClock) -> Iterator[WooCommerceConnector]:
    conn = WooCommerceConnector(url=served.url, consumer_key=KEY, consumer_secret=SECRET,
                                sleep=lambda s: None, clock=clock)
    yield conn
    conn.close()
