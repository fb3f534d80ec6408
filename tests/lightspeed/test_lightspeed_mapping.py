"""Lightspeed order JSON -> the hub's webshop state, on the real response bodies (S2)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import httpx
import pytest

from ordersync.connectors.lightspeed.connector import observe_windows, window_values
from ordersync.connectors.lightspeed.mapping import (
    carrier_of,
    ls_date,
    order_state,
    query_date,
    reference_of,
    reference_text,
)
from ordersync.connectors.parsing import MappingError
from ordersync.orders import Tracking
from tests.lightspeed.conftest import spec_dir


def fixture(name: str) -> dict:
    body = json.loads((spec_dir() / "fixtures" / f"{name}.json").read_text())
    return next(iter(body.values()))


def test_the_fixture_order_awaiting_shipment_is_open_and_not_ours():
    state = order_state(fixture("order"))
    assert state.webshop_id == "1623550" and state.reference is None
    assert not state.completed and not state.cancelled and state.tracking == ()
    assert state.updated_at == datetime(2019, 9, 16, 19, 46, 1, tzinfo=UTC)


def test_a_shipped_shipment_with_code_and_carrier_is_a_parcel():
    order = fixture("order") | {"shipmentStatus": "shipped", "status": "completed_shipped",
                                "comment": reference_text("bolcom:123")}
    shipment = fixture("shipment") | {"trackingCode": "3SABC123"}
    state = order_state(order, [(shipment, "PostNL")])
    assert state.completed and state.reference == "bolcom:123"
    assert state.tracking == (Tracking(number="3SABC123", company="PostNL"),)
    assert [p.parcel_id for p in state.parcels] == ["4981236"] and state.parcels[0].lines == ()


def test_the_fixture_shipment_without_code_is_a_parcel_without_tracking():
    order = fixture("order") | {"shipmentStatus": "shipped"}
    state = order_state(order, [(fixture("shipment"), None)])
    assert state.completed and state.tracking == () and len(state.parcels) == 1


def test_tracking_the_hub_cannot_store_is_dropped_with_the_reason():
    order = fixture("order") | {"shipmentStatus": "shipped"}
    shipment = fixture("shipment") | {"trackingCode": "X" * 400}
    state = order_state(order, [(shipment, "UPS")])
    assert state.tracking == () and state.parcels == () and "tracking number" in state.invalid


def test_cancelled_and_unshipped_shipments():
    order = fixture("order") | {"status": "cancelled"}
    open_shipment = fixture("shipment") | {"status": "not_shipped", "trackingCode": "3S1"}
    state = order_state(order, [(open_shipment, None)])
    assert state.cancelled and not state.completed and state.tracking == ()


def test_reference_and_carrier_fields():
    assert reference_of({"comment": "ordersync amazon:1-2-3"}) == "amazon:1-2-3"
    assert reference_of({"comment": "please gift wrap"}) is None
    assert carrier_of([fixture("shipmentMetafield"), {"key": "carrier", "value": "DHL"}]) == "DHL"
    assert carrier_of([fixture("shipmentMetafield")]) is None


def test_dates():
    assert ls_date("2019-08-21T17:15:00+02:00") == datetime(2019, 8, 21, 15, 15, tzinfo=UTC)
    with pytest.raises(MappingError):
        ls_date("2019-08-21T17:15:00")
    assert query_date(datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC)) == \
        "2026-01-02T03:04:05+00:00"


def test_rate_limit_headers_hold_back_on_any_exhausted_window():
    assert window_values("300/3000/72000") == [300, 3000, 72000]
    assert window_values("300/3000") is None and window_values("a/b/c") is None

    class Spy:
        paused: list[float] = []

        def pause(self, seconds: float) -> None:
            self.paused.append(seconds)

    spy = Spy()
    hook = observe_windows(spy)  # type: ignore[arg-type]
    request = httpx.Request("GET", "https://api.webshopapp.com/nl/orders.json")

    def answer(remaining: str, reset: str) -> None:
        hook(httpx.Response(200, request=request, headers={
            "X-RateLimit-Limit": "300/3000/72000", "X-RateLimit-Remaining": remaining,
            "X-RateLimit-Reset": reset}))

    answer("150/2000/70000", "100/1000/8000")
    assert spy.paused == []
    answer("150/1/70000", "100/1000/8000")  # the hour window is the one exhausted
    assert spy.paused == [1000.0]
    answer("0/0/70000", "100/1000/8000")  # the longest exhausted window counts
    assert spy.paused[-1] == 1000.0


def test_fixtures_are_not_changed_by_mapping():
    order = fixture("order")
    before = copy.deepcopy(order)
    order_state(order)
    assert order == before
