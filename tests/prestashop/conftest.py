"""PrestaShop fixtures: the chaos world's stacks and store, and a served twin with its
connector and merchant."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from ordersync.connectors.prestashop import PrestaShopConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.prestashop import PrestaShopTwin
from ordersync.sandbox.prestashop.merchant import PrestaShopMerchant
from ordersync.sandbox.webshops import PS_KEY
from tests.chaos.conftest import sqlite_store, stacks  # noqa: F401  (chaos fixtures)

CATALOG = (CatalogItem("PS-MUG", "Mug", Decimal("12.50"), 40),
           CatalogItem("PS-PLATE", "Plate", Decimal("7.25"), 30))


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[PrestaShopTwin, str]]:
    twin = PrestaShopTwin((PS_KEY,))
    with ServedApp(twin.app) as app:
        yield twin, app.url


@pytest.fixture
def twin(served) -> PrestaShopTwin:
    twin = served[0]
    twin.reset()
    twin.controls.clear()
    PrestaShopMerchant(twin).stock_catalog(CATALOG)
    return twin


@pytest.fixture
def url(served, twin) -> str:
    return served[1]


@pytest.fixture
def connector(url) -> Iterator[PrestaShopConnector]:
    with PrestaShopConnector(url=url, api_key=PS_KEY, rate_limits=False) as connector:
        yield connector
