import httpx
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
    return stack


def fault(url: str, method: str, path: str, status: int, **kw) -> None:
    """Make the twin at ``url`` answer the next matching request with ``status``."""
    httpx.post(f"{url}/_sandbox/faults", json={
        "method": method, "path": path, "status": status, **kw}).raise_for_status()
