"""A served Lightspeed twin, its merchant and a connector over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ordersync.connectors.lightspeed import LightspeedConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.lightspeed import LightspeedTwin
from ordersync.sandbox.lightspeed.merchant import LightspeedMerchant
from ordersync.sandbox.merchant import CatalogItem

KEY, SECRET = "ls_test_key", "ls_test_secret"
SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs")
SPEC = SPECS / "lightspeed-ecom"
CATALOG = (CatalogItem("LS-MUG", "Mug", Decimal("12.50"), 40),
           CatalogItem("LS-PLATE", "Plate", Decimal("7.25"), 30))


def spec_dir() -> Path:
    if not (SPEC / "endpoints.json").is_file():
        pytest.skip(f"Lightspeed eCom spec not found at {SPEC} (set ORDERSYNC_SPECS)")
    return SPEC


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LightspeedTwin, str]]:
    twin = LightspeedTwin({KEY: SECRET})
    with ServedApp(twin.app) as app:
        yield twin, app.url


@pytest.fixture
def twin(served) -> LightspeedTwin:
    twin, _ = served
    twin.reset()
    twin.controls.clear()
    LightspeedMerchant(twin).stock_catalog(CATALOG)
    return twin


@pytest.fixture
def url(served) -> str:
    return served[1]


@pytest.fixture
def connector(twin, url) -> Iterator[LightspeedConnector]:
    with LightspeedConnector(cluster_url=url, language="nl", api_key=KEY, api_secret=SECRET,
                             rate_limits=False) as conn:
        yield conn
