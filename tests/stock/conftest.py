import pytest

from ordersync.sandbox.stack import SandboxStack
from tests.pending.helpers import clean_stock_tables


@pytest.fixture
def store(store):
    """The shared store, with the stock tables emptied after each test too."""
    yield store
    clean_stock_tables(store)


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("amazon", "bolcom")) as s:
        yield s


@pytest.fixture
def sandbox(stack):
    for twin in (stack.amazon, stack.bolcom, stack.shopify):
        twin.reset()
        twin.controls.clear()
    return stack
