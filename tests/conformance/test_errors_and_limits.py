"""The platform's errors mapped to retriable / fatal (``ordersync.http.errors``), its rate
limit honoured (0 429s: the kit checks every test), and bad values set aside with a reason."""

from __future__ import annotations

import re
import time

import pytest

from ordersync.http import (
    AuthError,
    FatalError,
    NotFound,
    RateLimited,
    RateLimiter,
    RetriableError,
    UncertainWrite,
    ValidationError,
)
from ordersync.sandbox.common import Fault

ANY = re.compile(".*")
BURST = 45  # more requests at once than Shopify's bucket of 40


def fault(kit, status: int, *, method: str | None = None, count: int = 1,
          retry_after: float | None = None, path: re.Pattern[str] = ANY) -> None:
    """The next request(s) of any method fail (reads are GETs on most webshops, criteria
    searches - POST - on Shopware); the tests fault only after their setup's writes."""
    kit.twin.controls.faults.append(Fault(method=method, path=path, status=status, count=count,
                                          retry_after=retry_after))


def test_an_unknown_order_is_not_found(kit):
    with pytest.raises(NotFound) as info:
        kit.connector.get_order("987654321")
    assert isinstance(info.value, FatalError) and info.value.platform == kit.platform


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_fatal_auth_errors(kit, status):
    _, shop_id = kit.create()
    fault(kit, status, count=3)  # refused for good: a token connector's renewal is refused too
    with pytest.raises(AuthError):
        kit.connector.get_order(shop_id)


def test_a_passing_5xx_is_retried_transparently(kit):
    _, shop_id = kit.create()
    fault(kit, 503)
    assert kit.connector.get_order(shop_id).webshop_id == shop_id


def test_a_lasting_5xx_is_retriable_not_fatal(kit):
    _, shop_id = kit.create()
    fault(kit, 503, count=20)
    with pytest.raises(RetriableError) as info:
        kit.connector.get_order(shop_id)
    assert not isinstance(info.value, FatalError)


def test_a_429_is_retried_after_retry_after(kit):
    kit.allow_429 = True  # the 429 is injected here, not the platform's limiter
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    connector = kit.new_connector(limiter=RateLimiter(1000, 1000, sleep=sleep))
    _, shop_id = kit.create()
    connector.get_order(shop_id)  # logged in: a token connector's login is not the read
    fault(kit, 429, retry_after=1)
    assert connector.get_order(shop_id).webshop_id == shop_id
    assert any(s > 0.5 for s in slept), slept  # it held back as long as the platform said
    assert issubclass(RateLimited, RetriableError)


def test_a_refused_create_is_a_validation_error_and_creates_nothing(kit):
    order = kit.order()
    fault(kit, 422, method="POST", path=re.compile(kit.row.create_path))
    with pytest.raises(ValidationError):
        kit.connector.create_order(order)
    assert kit.merchant.orders_for(order.reference) == []


def test_a_create_cut_off_by_5xx_is_an_uncertain_write(kit):
    fault(kit, 502, method="POST", path=re.compile(kit.row.create_path))
    with pytest.raises(UncertainWrite):
        kit.connector.create_order(kit.order())


def test_a_burst_of_requests_gets_no_429(kit):
    if not kit.row.rate_limited:
        pytest.skip(f"{kit.row.title} has no rate limit to honour")
    _, shop_id = kit.create()
    for _ in range(BURST):
        kit.connector.get_order(shop_id)
    assert kit.twin.controls.requests and kit.throttled() == 0


def test_tracking_the_hub_cannot_store_is_dropped_with_a_reason(kit):
    _, shop_id = kit.create()
    kit.merchant.ship(shop_id, "3S" + "X" * 300, "PostNL")
    state = kit.connector.get_order(shop_id)
    assert state.completed and state.tracking == ()
    assert state.invalid and "tracking number" in state.invalid
