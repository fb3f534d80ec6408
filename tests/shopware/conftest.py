import pytest

from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopware import ShopwareTwin
from ordersync.sandbox.shopware.merchant import ShopwareMerchant
from tests.shopware.helpers import CLIENT_ID, SECRET, catalog, connector


@pytest.fixture(scope="module")
def module_twin():
    return ShopwareTwin({CLIENT_ID: SECRET}, rate_limits=True)


@pytest.fixture(scope="module")
def served(module_twin):
    with ServedApp(module_twin.app) as app:
        yield app


@pytest.fixture
def twin(module_twin, served):
    module_twin.reset()
    module_twin.controls.clear()
    module_twin.controls.rate_limits = True
    return module_twin


@pytest.fixture
def merchant(twin):
    merchant = ShopwareMerchant(twin)
    merchant.stock_catalog(catalog())
    return merchant


@pytest.fixture
def shop(served, twin):
    with connector(served.url) as shop:
        yield shop
