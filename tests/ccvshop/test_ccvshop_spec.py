"""The twin and the connector against the stored CCV API extract (``ccv-api-extract.json``):
every path and method used exists, every field served or sent is a schema field, the rate
limits and status ids are the schema's."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ordersync.connectors.ccvshop import facts
from ordersync.connectors.ccvshop.mapping import order_payload
from ordersync.sandbox.ccvshop import CcvShopTwin
from ordersync.sandbox.ccvshop.store import public
from ordersync.sandbox.merchant import CatalogItem
from tests.ccvshop.test_ccvshop_mapping import order

SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs")
EXTRACT = SPECS / "ccvshop" / "ccv-api-extract.json"
M = "Models/Vnd/Verto/Webshop/Resource/"
USED = [("GET", "orders/"), ("POST", "orders/"), ("GET", "orders/{id}/"),
        ("PATCH", "orders/{id}/"), ("GET", "orders/{id}/orderrows/"),
        ("GET", "orders/{id}/ordernotes/"), ("POST", "orders/{id}/ordernotes/"),
        ("GET", "products/"), ("GET", "products/{id}/"), ("PATCH", "products/{id}/"),
        ("POST", "products/")]


@pytest.fixture(scope="module")
def extract() -> dict[str, Any]:
    if not EXTRACT.exists():
        pytest.skip(f"CCV Shop API extract not found at {EXTRACT} (shared specs absent; set "
                    "ORDERSYNC_SPECS)")
    return json.loads(EXTRACT.read_text())


def endpoint(extract, method: str, path: str) -> dict:
    full = f"{facts.API}/{path}"
    for e in extract["endpoints"]:
        if e["method"] == method and re.sub(r"\?\{query\}$", "", e["path"]) == full:
            return e
    raise AssertionError(f"{method} {full} is not in the extract")


@pytest.mark.parametrize(("method", "path"), USED)
def test_every_route_used_exists_with_the_documented_rate_limit(extract, method, path):
    limit = endpoint(extract, method, path)["rate_limit_per_minute"]
    assert limit == (facts.READ_PER_MINUTE if method == "GET" else facts.WRITE_PER_MINUTE)


def test_the_status_ids_are_the_schemas(extract):
    text = extract["models"][f"{M}Orders/Orders"]["status"]["description"]
    for number, name in facts.STATUS_NAMES.items():
        assert f"{number}. {name}".lower() in text.lower(), (number, name)


def fields(extract, model: str) -> set[str]:
    return set(extract["models"][model])


def served(twin: CcvShopTwin) -> tuple[dict, dict, dict]:
    from ordersync.sandbox.ccvshop.merchant import CcvShopMerchant

    CcvShopMerchant(twin).stock_catalog([CatalogItem("MUG", "Mug", Decimal("12.5"), 5)])
    pid = next(iter(twin.store.products))
    made = twin.store.create_order(order_payload(order(), {"MUG": pid}))
    twin.ship(made["id"], "3SABC", "PostNL")
    twin.store.add_note(made["id"], "hello")
    oid = made["id"]
    return (public(twin.store.order(oid)), twin.store.rows[oid][0],
            twin.store.products[pid] | {"note": twin.store.notes[oid][0]})


def test_served_orders_rows_notes_and_products_carry_schema_fields_only(extract):
    order_json, row, product = served(CcvShopTwin())
    note = product.pop("note")
    assert set(order_json) <= fields(extract, f"{M}Orders/Orders"), \
        set(order_json) - fields(extract, f"{M}Orders/Orders")
    assert set(row) <= fields(extract, f"{M}Orderrows/Orderrows")
    assert set(product) <= fields(extract, f"{M}Products/Products")
    assert set(note) <= fields(extract, f"{M}Ordernotes/Ordernotes")
    collection = fields(extract, f"{M}Collection/Orders/Orders")
    assert collection == {"href", "start", "size", "first", "previous", "next", "items"}


def test_what_the_connector_sends_is_in_the_input_models(extract):
    body = order_payload(order(), {"MUG": 1})
    post = "Models/Internal/Resource/Orders/Post/Post"
    assert set(body) <= fields(extract, post)
    person = "Models/Internal/Entity/Personalinfo/Input/"
    assert set(body["customer"]) <= fields(extract, f"{person}Input")
    assert set(body["customer"]["billingaddress"]) <= fields(extract,
                                                             f"{person}Child/Billingaddress")
    assert set(body["customer"]["deliveryaddress"]) <= fields(extract,
                                                              f"{person}Child/Deliveryaddress")
    row = "Models/Internal/Entity/Orderrow/Input/Input"
    assert set(body["orderrows"][0]) <= fields(extract, row)
    patch = fields(extract, "Models/Internal/Resource/Orders/Patch/Patch")
    assert {"status", "track_and_trace_code", "track_and_trace_carrier", "mail",
            "note"} <= patch
    assert facts.REFERENCE_FIELD in patch and facts.REFERENCE_FIELD in fields(
        extract, f"{M}Orders/Orders")


def test_the_orders_listing_filters_used_are_documented(extract):
    names = {q["name"] for q in extract["query_parameters"]["Parameters/Orders/All"]["query"]}
    assert "min_create_date" in names
    assert not any("modif" in n or "update" in n for n in names)  # why CHANGE_WINDOW exists
    products = {q["name"] for q in extract["query_parameters"]["Parameters/Products/All"][
        "query"]}
    assert "productnumber" in products
