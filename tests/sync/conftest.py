import pytest

from ordersync.sandbox.stack import SandboxStack


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False) as s:
        yield s


@pytest.fixture
def sandbox(stack):
    stack.bolcom.reset()
    stack.shopify.reset()
    stack.bolcom.controls.faults.clear()
    stack.shopify.controls.faults.clear()
    return stack
