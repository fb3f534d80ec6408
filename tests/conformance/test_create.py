"""Create exactly once: a created order is found by its marketplace reference; an uncertain
create (answer lost) is found again before any retry, and one that never arrived is not."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ordersync.http import UncertainWrite
from ordersync.sandbox.common import Fault


def since() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def test_create_is_found_by_its_reference_and_only_once(kit):
    start = since()
    order, shop_id = kit.create()
    assert kit.merchant.orders_for(order.reference) == [shop_id]
    assert kit.connector.find_order(order, start) == shop_id
    other = kit.order()
    assert kit.connector.find_order(other, start) is None  # another reference: not found
    state = kit.connector.get_order(shop_id)
    assert state.reference == order.reference and not state.completed and not state.cancelled


def test_created_order_holds_its_lines(kit):
    before = {sku: kit.merchant.stock(sku) for sku in ("KIT-MUG", "KIT-PLATE")}
    kit.create()
    after = {sku: kit.merchant.stock(sku) for sku in ("KIT-MUG", "KIT-PLATE")}
    assert {sku: before[sku] - after[sku] for sku in before} == {"KIT-MUG": 2, "KIT-PLATE": 1}


@pytest.mark.parametrize("lost", ["answer", "request"])
def test_an_uncertain_create_is_looked_up_before_any_retry(kit, lost):
    """The platform created the order but the answer was lost (``answer``), or the request
    never got through (``request``): the connector says UncertainWrite either way; the lookup
    by reference tells which, and a retry happens only when nothing was found."""
    start = since()
    order = kit.order()
    kit.twin.controls.faults.append(Fault(method="POST", path=re.compile(kit.row.create_path),
                                          status=500, after_handling=lost == "answer"))
    with pytest.raises(UncertainWrite):
        kit.connector.create_order(order)
    found = kit.connector.find_order(order, start)
    if lost == "answer":
        assert found is not None and kit.merchant.orders_for(order.reference) == [found]
    else:
        assert found is None and kit.merchant.orders_for(order.reference) == []
        found = kit.connector.create_order(order)  # the retry, after the lookup
    assert kit.merchant.orders_for(order.reference) == [found]


def test_lookup_after_a_create_from_another_process(kit):
    """A second connector (another run, after a crash) finds what the first one created."""
    start = since()
    order, shop_id = kit.create()
    assert kit.new_connector().find_order(order, start) == shop_id
