"""Fixtures: a Shopify twin served on a free port, a fake clock, connectors against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shopify_helpers import TOKEN, FakeClock

from ordersync.connectors.shopify import ShopifyConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def twin(clock: FakeClock) -> ShopifyTwin:
    return ShopifyTwin(access_tokens={TOKEN}, rate_limits=False, clock=clock)


@pytest.fixture(scope="module")
def served(twin: ShopifyTwin) -> Iterator[ServedApp]:
    app = ServedApp(twin.app).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def _fresh(request) -> None:
    """Every test starts from an empty shop (when it uses the module's twin)."""
    if "twin" in request.fixturenames:
        twin = request.getfixturevalue("twin")
        twin.reset()
        twin.controls.clear()
        twin.controls.rate_limits = False


@pytest.fixture
def connector(served: ServedApp) -> Iterator[ShopifyConnector]:
    conn = ShopifyConnector(
        shop="sandbox", access_token=TOKEN, base_url=served.url, rate_limits=False,
        sleep=lambda seconds: None,
    )
    yield conn
    conn.close()
