"""The Magento connector over HTTP against the served twin: exactly-once create, changed
orders paged by keyset while orders change, shipments as parcels, cancellation, stock,
Magento's errors mapped to the client's families."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from ordersync.connectors.magento import MagentoConnector
from ordersync.http import AuthError, NotFound, UncertainWrite, ValidationError
from ordersync.sandbox.common import Fault
from ordersync.sandbox.magento import MagentoError
from tests.magento.conftest import marketplace_order

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _lines(state):
    return [[(line.line_id, line.quantity) for line in p.lines] for p in state.parcels]


def test_create_stores_reference_prices_and_line_ids(connector, twin):
    order = marketplace_order()
    shop_id = connector.create_order(order)
    stored = twin.store.order(int(shop_id))
    assert stored["ext_order_id"] == "bolcom:1043965710"
    assert [(i["sku"], i["qty_ordered"], i["price"], i["ext_order_item_id"])
            for i in stored["items"]] == [("MUG-350", 2, 12.5, "1043965710-0"),
                                          ("PLATE-22", 1, 7.25, "1043965710-1")]
    assert stored["state"] == "processing" and stored["grand_total"] == 32.25
    shipping = stored["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert shipping["street"] == ["Dorpsstraat 12 B"] and shipping["city"] == "Utrecht"
    assert connector.find_order(order, LONG_AGO) == shop_id


def test_unknown_sku_is_rejected_before_writing(connector, twin):
    with pytest.raises(ValidationError, match="NO-SUCH"):
        connector.create_order(marketplace_order(skus=("MUG-350", "NO-SUCH")))
    assert twin.store.orders == {}


def test_lost_create_response_is_found_by_reference(connector, twin):
    order = marketplace_order("555")
    twin.controls.faults.append(Fault("POST", re.compile(r"/V1/orders$"), 500,
                                      after_handling=True))
    with pytest.raises(UncertainWrite):
        connector.create_order(order)
    [created] = twin.orders_with_reference(order.reference)
    assert connector.find_order(order, LONG_AGO) == str(created["entity_id"])
    assert connector.find_order(marketplace_order("556"), LONG_AGO) is None


def test_find_order_returns_the_oldest_of_duplicates_in_one_request(connector, twin):
    order = marketplace_order("2")
    first = connector.create_order(order)
    connector.create_order(order)  # a duplicate made by hand
    twin.controls.requests.clear()
    assert connector.find_order(order, LONG_AGO) == first
    assert twin.controls.requests["GET /rest/V1/orders"] == 1


def test_changed_orders_reads_every_order_once_while_orders_change(connector, twin, clock,
                                                                   monkeypatch, merchant):
    connector.page_size = 3
    ids = [connector.create_order(marketplace_order(str(n))) for n in range(10)]
    seen: list[str] = []
    for page_no, page in enumerate(connector.changed_orders(LONG_AGO)):
        seen.extend(s.webshop_id for s in page)
        if page_no == 0:  # the merchant ships an order of the first page while we page
            clock.advance(2)
            merchant.ship(page[0].webshop_id, "3SABCD1234567", "PostNL")
    assert sorted(seen, key=int) == ids  # nothing skipped, nothing repeated
    again = {s.webshop_id: s for page in connector.changed_orders(LONG_AGO) for s in page}
    assert again[ids[0]].completed  # the next poll reads the change made while paging


def test_twin_repeats_the_last_page_past_the_end_and_the_connector_stops(connector, twin,
                                                                          monkeypatch):
    for n in range(3):
        connector.create_order(marketplace_order(str(n)))
    body = connector._get("orders", {"searchCriteria[page_size]": "2",
                                     "searchCriteria[current_page]": "9"})
    assert body["total_count"] == 3 and [o["increment_id"] for o in body["items"]] == [
        "000000003"]
    pages = list(connector._search("orders", [], page_size=2))
    assert [len(p) for p in pages] == [2, 1]


def test_completed_with_one_code(connector, merchant):
    shop_id = connector.create_order(marketplace_order())
    merchant.ship(shop_id, "3SABCD1234567", "PostNL")
    [state] = [s for page in connector.changed_orders(LONG_AGO) for s in page]
    assert state.completed and not state.cancelled and state.reference == "bolcom:1043965710"
    assert [(t.number, t.company) for t in state.tracking] == [("3SABCD1234567", "PostNL")]
    assert _lines(state) == [[("1043965710-0", 2), ("1043965710-1", 1)]]
    assert merchant.order_state(shop_id) == "complete"


def test_two_parcels_per_item_with_two_codes_and_carriers(connector, merchant):
    shop_id = connector.create_order(marketplace_order())
    merchant.ship(shop_id, "3SABCD1234567", "PostNL", lines={"1043965710-0": 1})
    partial = connector.get_order(shop_id)
    assert not partial.completed and _lines(partial) == [[("1043965710-0", 1)]]
    merchant.ship(shop_id, "1Z999AA10123456784", "UPS",
                  lines={"1043965710-0": 1, "1043965710-1": 1})
    state = connector.get_order(shop_id)
    assert state.completed  # everything shipped, though not invoiced: still 'processing'
    assert merchant.order_state(shop_id) == "processing"
    assert [(t.number, t.company) for t in state.tracking] == [
        ("3SABCD1234567", "PostNL"), ("1Z999AA10123456784", "UPS")]
    assert _lines(state) == [[("1043965710-0", 1)],
                             [("1043965710-0", 1), ("1043965710-1", 1)]]


def test_completed_without_code_then_code_added_later_is_seen(connector, merchant, clock):
    shop_id = connector.create_order(marketplace_order())
    merchant.ship(shop_id)
    state = connector.get_order(shop_id)
    assert state.completed and state.tracking == ()
    clock.advance(60)
    since = clock.now()
    merchant.add_tracking(shop_id, "3SABCD1234567", "PostNL")
    # the order row did not change; its shipment did: still read since the watermark
    found = [s for page in connector.changed_orders(since) for s in page
             if s.webshop_id == shop_id]
    assert found and found[-1].tracking[0].number == "3SABCD1234567"


def test_cancel_and_state_machine(connector, merchant, twin):
    shop_id = connector.create_order(marketplace_order())
    connector.cancel_order(shop_id)
    connector.cancel_order(shop_id)  # Magento answers false now; already cancelled is fine
    state = connector.get_order(shop_id)
    assert state.cancelled and not state.completed
    assert {(c.line_id, c.quantity) for c in state.cancelled_lines} == {
        ("1043965710-0", 2), ("1043965710-1", 1)}
    with pytest.raises(Exception, match="does not allow a shipment"):
        merchant.ship(shop_id, "3SABCD1234567")
    shipped = connector.create_order(marketplace_order("2"))
    merchant.ship(shipped, "3SABCD1234567")
    with pytest.raises(ValidationError, match="state complete"):
        connector.cancel_order(shipped)


def test_merchant_cancels_in_the_shop(connector, merchant):
    shop_id = connector.create_order(marketplace_order())
    merchant.cancel(shop_id)
    assert connector.get_order(shop_id).cancelled
    assert merchant.order_state(shop_id) == "canceled"
    with pytest.raises(MagentoError):  # a cancelled order takes no credit memo
        merchant.cancel(shop_id, lines={"1043965710-0": 1})


def test_a_line_taken_out_by_credit_memo_is_a_cancelled_line(connector, merchant, twin):
    shop_id = connector.create_order(marketplace_order())
    merchant.cancel(shop_id, lines={"1043965710-1": 1})  # invoice + credit memo, unshipped
    item = twin.get(shop_id)["items"][1]
    assert item["qty_refunded"] == 1 and item["qty_canceled"] == 0
    state = connector.get_order(shop_id)
    assert [(c.line_id, c.quantity) for c in state.cancelled_lines] == [("1043965710-1", 1)]
    assert not state.completed and not state.cancelled
    merchant.ship(shop_id, "3SABCD1234567", "PostNL")  # ships the rest only
    state = connector.get_order(shop_id)
    assert state.completed and merchant.order_state(shop_id) == "complete"
    assert [(pl.line_id, pl.quantity) for p in state.parcels for pl in p.lines] == [
        ("1043965710-0", 2)]


def test_salable_stock_is_source_quantity_minus_open_orders(connector, merchant, twin):
    assert connector.read_stock().quantities == {"MUG-350": 20, "PLATE-22": 5}
    shop_id = connector.create_order(marketplace_order())
    assert twin.store.source_items[("MUG-350", "default")]["quantity"] == 20  # no reservation
    assert merchant.stock("MUG-350") == 18  # what is left to sell
    assert connector.read_stock().quantities == {"MUG-350": 18, "PLATE-22": 4}
    merchant.ship(shop_id, "3SABCD1234567", lines={"1043965710-0": 1})
    assert twin.store.source_items[("MUG-350", "default")]["quantity"] == 19  # deducted
    assert merchant.stock("MUG-350") == 18
    assert connector.read_stock().quantities == {"MUG-350": 18, "PLATE-22": 4}
    merchant.ship(shop_id, "3SABCD1234567")
    cancelled = connector.create_order(marketplace_order("2"))
    connector.cancel_order(cancelled)
    assert connector.read_stock().quantities == {"MUG-350": 18, "PLATE-22": 4}
    for n in range(5):  # more held than there is: never negative
        connector.create_order(marketplace_order(str(10 + n)))
    assert connector.read_stock().quantities == {"MUG-350": 8, "PLATE-22": 0}
    assert merchant.stock("PLATE-22") == 0 and merchant.stock("NOPE") is None


def test_errors_in_magentos_shape_are_mapped(connector, served, twin):
    bad = MagentoConnector(base_url=served.url, access_token="wrong", sleep=lambda s: None)
    with pytest.raises(AuthError, match="isn't authorized to access Magento_Sales::sales"):
        bad.get_order("1")
    assert "wrong" not in repr(bad)
    bad.close()
    with pytest.raises(NotFound, match="entity that was requested doesn't exist"):
        connector.get_order("999")
    with pytest.raises(ValidationError, match='"entity" is required'):
        connector._request("POST", "orders", json={})
    twin.controls.faults.append(Fault("GET", re.compile("/V1/orders$"), 503, count=2))
    assert list(connector.changed_orders(LONG_AGO)) == []  # retried through two 503s
    twin.controls.faults.append(Fault("GET", re.compile("/V1/orders$"), 429, retry_after=0.01))
    assert list(connector.changed_orders(LONG_AGO)) == []
    assert connector.client.rate_limited == 1


def test_unknown_route_and_missing_search_criteria(connector):
    with pytest.raises(NotFound, match="Request does not match any route"):
        connector._request("GET", "nothing-here")
    with pytest.raises(ValidationError, match='"searchCriteria" is required'):
        connector._get("orders")


def test_control_api_ships_in_parts_tracks_invoices_and_cancels(connector, served, twin):
    ctl = f"{served.url}/_sandbox/magento"
    assert httpx.post(f"{ctl}/products", json={"sku": "CUP-1", "stock": 3}).status_code == 201
    shop_id = connector.create_order(marketplace_order())
    first = httpx.post(f"{ctl}/orders/{shop_id}/ship",
                       json={"lines": {"1043965710-0": 1}}).json()["shipment_id"]
    assert httpx.post(f"{ctl}/orders/{shop_id}/tracks",
                      json={"track_number": "3SABCD1234567", "carrier": "PostNL"}
                      ).status_code == 204
    httpx.post(f"{ctl}/orders/{shop_id}/invoice")
    assert httpx.post(f"{ctl}/orders/{shop_id}/cancel").json() is True  # the rest
    state = connector.get_order(shop_id)
    assert [p.parcel_id for p in state.parcels] == [str(first)]
    assert state.tracking[0].number == "3SABCD1234567"
    assert {(c.line_id, c.quantity) for c in state.cancelled_lines} == {
        ("1043965710-0", 1), ("1043965710-1", 1)}
    assert state.completed and not state.cancelled  # shipped what was not cancelled
    assert twin.store.order(int(shop_id))["state"] == "complete"
    refused = httpx.post(f"{ctl}/orders/{shop_id}/ship", json={})
    assert refused.status_code == 400 and "does not allow a shipment" in refused.json()["message"]


def test_open_orders_older_than_the_window_no_longer_hold_stock(connector, clock):
    clock.advance(-100 * 86400)
    try:
        connector.create_order(marketplace_order("old"))
    finally:
        clock.advance(100 * 86400)
    assert connector.read_stock().quantities == {"MUG-350": 20, "PLATE-22": 5}
    connector.create_order(marketplace_order("new"))
    assert connector.read_stock().quantities == {"MUG-350": 18, "PLATE-22": 4}
