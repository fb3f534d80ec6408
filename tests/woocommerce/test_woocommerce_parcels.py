"""WooCommerce has no per-line fulfilment: each Shipment Tracking item is a parcel of the
whole order (no lines), in the order the merchant added them."""

from __future__ import annotations

import pytest

from ordersync.orders import Tracking
from tests.woocommerce.helpers import make_order


@pytest.fixture
def products(twin):
    return [twin.add_product(f"Item {i}", f"SKU-{i}")["id"] for i in range(2)]


def test_two_tracking_items_are_two_whole_order_parcels(connector, twin, products):
    webshop_id = connector.create_order(make_order("P-1"))
    assert connector.get_order(webshop_id).parcels == ()
    twin.ship_parcels(webshop_id, ["3SABCD1234567", "3SABCD7654321"], provider="PostNL")

    state = connector.get_order(webshop_id)

    assert state.completed and len(state.parcels) == 2
    assert [p.lines for p in state.parcels] == [(), ()]
    assert [p.tracking for p in state.parcels] == [
        (Tracking("3SABCD1234567", "PostNL", None),), (Tracking("3SABCD7654321", "PostNL", None),)]
    assert len({p.parcel_id for p in state.parcels}) == 2
    assert state.cancelled_lines == ()  # refunds are not read
