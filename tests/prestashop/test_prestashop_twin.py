"""The twin against the stored PrestaShop material (``shared/specs/prestashop``): documented
fields only (required ones present), the default order states, XML-only writes, the key as
Basic user, ``date=1`` for date filters, ``limit=offset,count``, JSON shapes and errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.prestashop.mapping import xml_body
from ordersync.sandbox.prestashop.merchant import PrestaShopMerchant
from ordersync.sandbox.webshops import PS_KEY

SPECS = Path(os.environ.get("ORDERSYNC_SPECS", Path(__file__).parents[3] / "shared" / "specs"))
DOCS = SPECS / "prestashop" / "docs" / "resources"
needs_specs = pytest.mark.skipif(not DOCS.is_dir(), reason=f"PrestaShop spec material not "
                                 f"found at {SPECS} (set ORDERSYNC_SPECS)")
JSON = {"Output-Format": "JSON"}


def documented(resource: str) -> tuple[set[str], set[str]]:
    """(every field, the required ones) of a resource's field table."""
    fields, required = set(), set()
    for line in (DOCS / f"{resource}.md").read_text().splitlines():
        match = re.match(r"\|\s*\*\*(\w+)\*\*\s*\|[^|]*\|\s*(\S*)\s*\|", line)
        if match:
            fields.add(match.group(1))
            if "✔" in match.group(2):
                required.add(match.group(1))
    return fields | {"id"}, required


def client(url: str, key: str | None = PS_KEY) -> httpx.Client:
    return httpx.Client(base_url=url, auth=(key, "") if key else None, headers=JSON)


def place(connector) -> str:
    from tests.prestashop.test_prestashop_connector import marketplace_order
    return connector.create_order(marketplace_order())


@needs_specs
@pytest.mark.parametrize(("resource", "path"), [("orders", "orders"),
                                                ("order_carriers", "order_carriers"),
                                                ("order_histories", "order_histories"),
                                                ("stock_availables", "stock_availables")])
def test_twin_fields_are_the_documented_ones(twin, url, connector, resource, path):
    shop_id = place(connector)
    PrestaShopMerchant(twin).ship(shop_id, "3SABC123", "PostNL")
    with client(url) as http:
        rows = http.get(f"/api/{path}", params={"display": "full"}).json()[resource]
    fields, required = documented(resource)
    for row in rows:
        assert set(row) <= fields, set(row) - fields
        assert required <= set(row), required - set(row)


@needs_specs
def test_order_rows_are_the_blank_schemas(twin, url, connector):
    shop_id = place(connector)
    blank = (DOCS / "orders.md").read_text()
    documented_row = set(re.findall(r"<(\w+)><!\[CDATA", blank.split("<order_row>")[1]
                                    .split("</order_row>")[0]))
    with client(url) as http:
        order = http.get(f"/api/orders/{shop_id}").json()["order"]
    for row in order["associations"]["order_rows"]:
        assert set(row) <= documented_row


@needs_specs
def test_default_order_states_are_the_install_data(twin, url):
    states = json.loads((SPECS / "prestashop" / "order-states.json").read_text())
    with client(url) as http:
        got = http.get("/api/order_states", params={"display": "[id,name]"}).json()
    assert {(int(s["id"]), s["name"]) for s in got["order_states"]} == {
        (s["id"], s["name_en"]) for s in states["order_states"]}


def test_writes_are_xml_only(twin, url):
    with client(url) as http:
        refused = http.post("/api/customers", json={"customer": {"firstname": "A"}})
        accepted = http.post("/api/customers", content=xml_body("customer", {
            "firstname": "Anna", "lastname": "Vries", "email": "a@example.nl"}))
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"]
    assert accepted.status_code == 201 and accepted.json()["customer"]["id"]


def test_the_key_is_the_basic_user(twin, url):
    with client(url, None) as http:
        none = http.get("/api/orders")
    with client(url, "WRONG") as http:
        wrong = http.get("/api/orders")
    with httpx.Client(base_url=url) as http:
        query = http.get("/api/orders", params={"ws_key": PS_KEY, "output_format": "JSON"})
    assert none.status_code == wrong.status_code == 401
    assert "WWW-Authenticate" in none.headers and none.json()["errors"]
    assert query.status_code == 200


def test_lists_dates_limits_and_shapes(twin, url, connector):
    with client(url) as http:
        assert http.get("/api/orders").json() == []  # an empty list is an array
        ids = [place(connector) for _ in range(3)]
        bare = http.get("/api/orders").json()["orders"]
        undated = http.get("/api/orders", params={"filter[date_upd]": "[2000-01-01 00:00:00,"
                                                                       "9999-12-31 23:59:59]"})
        dated = http.get("/api/orders", params={
            "filter[date_upd]": "[2000-01-01 00:00:00,9999-12-31 23:59:59]", "date": "1",
            "sort": "[id_DESC]", "limit": "1,1"}).json()["orders"]
        xml = httpx.get(f"{url}/api/orders", auth=(PS_KEY, ""))
        missing = http.get("/api/orders/999")
        unknown = http.get("/api/nothing")
    assert bare == [{"id": int(i)} for i in ids]
    assert undated.status_code == 400
    assert [o["id"] for o in dated] == [int(ids[1])]
    assert xml.headers["content-type"].startswith("text/xml") and b"<prestashop>" in xml.content
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"]
    assert unknown.status_code == 400


def test_an_order_takes_stock_and_a_cancellation_gives_it_back(twin, connector):
    merchant = PrestaShopMerchant(twin)
    shop_id = place(connector)
    assert merchant.stock("PS-MUG") == 38
    connector.cancel_order(shop_id)
    assert merchant.stock("PS-MUG") == 40 and merchant.order_state(shop_id) == "canceled"
