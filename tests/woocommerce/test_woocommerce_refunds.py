"""The WooCommerce twin's order refunds carry the REST v3 reference's fields and behave as
core's ``wc_create_refund``; the connector registers returns (note, restock, refund) once,
findable by their key."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ordersync.orders.returns import ReturnLine, ReturnMode, ReturnRegistration
from tests.woocommerce.helpers import shopper_order, signed
from tests.woocommerce.test_woocommerce_spec_catalog import without
from tests.woocommerce.test_woocommerce_spec_shape import SPECS, _check, _table

DOCS = Path(os.environ.get("ORDERSYNC_SPECS") or SPECS) / "woocommerce"
WRITE_ONLY = {"api_refund", "api_restock", "refund_total"}
DOC_QUIRKS = {"tax_class"}  # documented as integer; WooCommerce returns the class slug ("")


def doc(name: str) -> str:
    if not (DOCS / name).exists():
        pytest.skip(f"WooCommerce reference not found at {DOCS} (shared specs absent)")
    return (DOCS / name).read_text()


def placed(twin) -> tuple[dict, dict]:
    product = twin.add_product("Mug", "MUG", "12.50", stock=5)
    order = twin.place_order(shopper_order([product["id"]]))  # 2 mugs, processing
    return order, product


def post(served, twin, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{served.url}/wp-json/wc/v3/{path}", json=body, auth=signed(twin))


def test_refund_fields_follow_the_reference_and_restock(served, twin):
    text = doc("order-refunds.md")
    order, product = placed(twin)
    line = order["line_items"][0]
    answer = post(served, twin, f"orders/{order['id']}/refunds", {
        "amount": "12.50", "reason": "returned", "api_refund": False,
        "line_items": [{"id": line["id"], "quantity": 1, "refund_total": 12.5}],
        "meta_data": [{"key": "_ordersync_return", "value": "k"}]})

    assert answer.status_code == 201, answer.text
    refund = answer.json()
    _check(refund, without(_table(text, "## Order refund properties ##"), WRITE_ONLY),
           "refund")
    _check(refund["line_items"][0], without(_table(
        text, "### Order refund - Line items properties ###"), WRITE_ONLY | DOC_QUIRKS),
        "refund.line_items")
    assert twin.store.products[product["id"]]["stock_quantity"] == 4  # 5 - 2 + 1
    listed = httpx.get(f"{served.url}/wp-json/wc/v3/orders/{order['id']}/refunds",
                       auth=signed(twin)).json()
    assert listed == [refund]
    assert twin.get(order["id"])["refunds"][0]["total"] == "-12.50"


def test_refunds_core_refuses(served, twin):
    order, _ = placed(twin)
    line = order["line_items"][0]
    path = f"orders/{order['id']}/refunds"
    gateway = post(served, twin, path, {"amount": "1.00"})  # api_refund defaults to true
    too_much = post(served, twin, path, {"amount": "999", "api_refund": False})
    too_many = post(served, twin, path, {"api_refund": False, "line_items": [
        {"id": line["id"], "quantity": 3, "refund_total": 0}]})
    negative = post(served, twin, path, {"amount": "-1"})
    for answer in (gateway, too_much, too_many):
        assert answer.status_code == 500
        assert answer.json()["code"] == "woocommerce_rest_cannot_create_order_refund"
    assert negative.status_code == 400
    assert twin.refunds.refunds.get(order["id"], []) == []


def test_a_full_refund_marks_the_order_refunded(served, twin):
    order, _ = placed(twin)
    answer = post(served, twin, f"orders/{order['id']}/refunds",
                  {"amount": order["total"], "api_refund": False})
    assert answer.status_code == 201
    assert twin.get(order["id"])["status"] == "refunded"


@pytest.mark.parametrize("mode", list(ReturnMode))
def test_connector_registers_a_return_once_findable(served, twin, connector, mode):
    order, product = placed(twin)
    reg = ReturnRegistration(key="ordersync-return bolcom:31", mode=mode, note="Return 7 "
                             "[ordersync-return bolcom:31]",
                             lines=(ReturnLine("L1", 1, Decimal("12.50"), "MUG", 0),))
    assert connector.find_return(str(order["id"]), reg) is None

    ref = connector.register_return(str(order["id"]), reg)

    assert connector.find_return(str(order["id"]), reg) == ref
    refunds = twin.refunds.refunds.get(order["id"], [])
    if mode == ReturnMode.REGISTER:
        assert refunds == [] and ref.startswith("note:")
        assert twin.store.products[product["id"]]["stock_quantity"] == 3
    else:
        [refund] = refunds
        assert Decimal(refund["amount"]) == (Decimal("12.50") if mode == ReturnMode.REFUND
                                             else 0)
        assert twin.store.products[product["id"]]["stock_quantity"] == 4
