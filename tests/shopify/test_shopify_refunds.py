"""The Shopify twin's refunds and order note as the Admin REST API models them, and the
connector's returns registration (note, restock, refund) with its look-up."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from shopify_helpers import TOKEN

from ordersync.orders.returns import ReturnLine, ReturnMode, ReturnRegistration

API = "/admin/api/2025-01"


def paid_order(twin) -> dict:
    twin.catalog.add_product("Mug", [{"sku": "MUG", "quantity": 5, "price": "12.50"}])
    variant = twin.catalog.variant_by_sku("MUG")
    return twin.create_order({"order": {
        "line_items": [{"variant_id": variant["id"], "quantity": 2, "price": "12.50",
                        "properties": [{"name": "_marketplace_line_id", "value": "L1"}]}],
        "inventory_behaviour": "decrement_ignoring_policy", "financial_status": "paid"}})


@pytest.fixture
def http(served):
    with httpx.Client(base_url=served.url + API,
                      headers={"X-Shopify-Access-Token": TOKEN}) as client:
        yield client


def test_calculate_then_refund_restocks_and_moves_money(twin, http):
    order = paid_order(twin)
    line = order["line_items"][0]["id"]
    location = twin.store.location["id"]
    items = [{"line_item_id": line, "quantity": 1, "restock_type": "return",
              "location_id": location}]
    calc = http.post(f"/orders/{order['id']}/refunds/calculate.json",
                     json={"refund": {"refund_line_items": items}})
    assert calc.status_code == 200
    [suggested] = calc.json()["refund"]["transactions"]
    assert suggested["kind"] == "suggested_refund" and suggested["amount"] == "12.50"
    assert twin.catalog.stock_of("MUG") == 3  # calculating changes nothing

    refund = http.post(f"/orders/{order['id']}/refunds.json", json={"refund": {
        "note": "back", "refund_line_items": items,
        "transactions": [{"parent_id": suggested["parent_id"], "amount": "12.50",
                          "kind": "refund", "gateway": suggested["gateway"]}]}})

    assert refund.status_code == 201
    body = refund.json()["refund"]
    assert body["transactions"][0]["kind"] == "refund"
    assert body["refund_line_items"][0]["quantity"] == 1
    assert twin.catalog.stock_of("MUG") == 4
    stored = twin.get(order["id"])
    assert stored["financial_status"] == "partially_refunded"
    assert http.get(f"/orders/{order['id']}/refunds.json").json()["refunds"] == [body]


def test_refunds_the_platform_refuses(twin, http):
    order = paid_order(twin)
    line = order["line_items"][0]["id"]
    path = f"/orders/{order['id']}/refunds.json"
    too_many = {"line_item_id": line, "quantity": 3, "restock_type": "no_restock"}
    no_location = {"line_item_id": line, "quantity": 1, "restock_type": "return"}
    for items in ([too_many], [no_location], []):
        answer = http.post(path, json={"refund": {"refund_line_items": items}})
        assert answer.status_code == 422, answer.text
    bad_parent = http.post(path, json={"refund": {"transactions": [
        {"parent_id": 1, "amount": "1.00", "kind": "refund"}]}})
    assert bad_parent.status_code == 422
    assert twin.get(order["id"])["refunds"] == []


def test_note_is_updated_by_put(twin, http):
    order = paid_order(twin)
    answer = http.put(f"/orders/{order['id']}.json", json={"order": {"note": "hello"}})
    assert answer.status_code == 200 and answer.json()["order"]["note"] == "hello"


@pytest.mark.parametrize("mode", list(ReturnMode))
def test_connector_registers_a_return_once_findable(twin, connector, mode):
    order = paid_order(twin)
    reg = ReturnRegistration(key="ordersync-return bolcom:31", mode=mode, note="Return 7 "
                             "[ordersync-return bolcom:31]",
                             lines=(ReturnLine("L1", 1, Decimal("12.50"), "MUG", 0),))
    assert connector.find_return(str(order["id"]), reg) is None

    ref = connector.register_return(str(order["id"]), reg)

    assert connector.find_return(str(order["id"]), reg) == ref
    stored = twin.get(order["id"])
    if mode == ReturnMode.REGISTER:
        assert reg.note in stored["note"] and stored["refunds"] == []
    else:
        [refund] = stored["refunds"]
        money = sum(Decimal(t["amount"]) for t in refund["transactions"])
        assert money == (Decimal("12.50") if mode == ReturnMode.REFUND else 0)
        assert twin.catalog.stock_of("MUG") == 4
