import pytest

from ordersync.sandbox.stack import SandboxStack


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
