"""Products, categories, customers and order notes of the twin, as served over HTTP, carry the
fields and types of the WooCommerce REST v3 reference (shared/specs/woocommerce)."""

from __future__ import annotations

import httpx
import pytest

from tests.woocommerce.helpers import shopper_order, signed
from tests.woocommerce.test_woocommerce_spec_shape import SPECS, _check, _table

DOCS = SPECS / "woocommerce"
WRITE_ONLY = {"password", "added_by_user"}


def doc(name: str) -> str:
    path = DOCS / name
    if not path.exists():
        pytest.skip(f"WooCommerce reference not found at {path} (shared specs absent)")
    return path.read_text()


def get(served, twin, path: str, **params) -> httpx.Response:
    response = httpx.get(f"{served.url}/wp-json/wc/v3/{path}", params=params,
                         auth=signed(twin))
    assert response.status_code == 200, response.text
    return response


def without(table: dict[str, str], names: set[str]) -> dict[str, str]:
    return {k: v for k, v in table.items() if k not in names}


def test_products_and_their_categories(served, twin):
    text = doc("products.md")
    parent = twin.add_category("Clothing")
    twin.add_product("Tee", "TEE-1", "12.50", categories=(parent["id"],))
    [product] = get(served, twin, "products", per_page=100).json()
    _check(product, _table(text, "## Product properties ##"), "product")
    _check(product["categories"][0], _table(text, "### Product - Categories properties ###"),
           "product.categories")
    _check(product["dimensions"], _table(text, "### Product - Dimensions properties ###"),
           "product.dimensions")


def test_categories(served, twin):
    text = doc("product-categories.md")
    top = twin.add_category("Clothing")
    twin.add_category("T-shirts", top["id"])
    items = get(served, twin, "products/categories", per_page=100).json()
    assert [c["name"] for c in items] == ["Clothing", "T-shirts"]  # orderby name by default
    for item in items:
        _check(item, _table(text, "## Product category properties ##"), "category")
    assert [c["name"] for c in get(served, twin, "products/categories", parent=top["id"]).json()] \
        == ["T-shirts"]


def test_customers(served, twin):
    text = doc("customers.md")
    created = twin.store.create_customer({"email": "jan@example.nl", "first_name": "Jan",
                                          "billing": {"phone": "+31600000001"}})
    [listed] = get(served, twin, "customers", email="jan@example.nl").json()
    one = get(served, twin, f"customers/{created['id']}").json()
    for customer in (listed, one):
        _check(customer, without(_table(text, "## Customer properties ##"), WRITE_ONLY),
               "customer")
        _check(customer["billing"], _table(text, "### Customer - Billing properties ###"),
               "customer.billing")
        _check(customer["shipping"], _table(text, "### Customer - Shipping properties ###"),
               "customer.shipping")


def test_order_notes(served, twin):
    text = doc("order-notes.md")
    product = twin.add_product("Tee", "TEE-1")
    oid = twin.place_order(shopper_order([product["id"]]))["id"]
    response = httpx.post(f"{served.url}/wp-json/wc/v3/orders/{oid}/notes", auth=signed(twin),
                          json={"note": "Packed", "customer_note": False})
    assert response.status_code == 201
    twin.set_status(oid, "completed")
    notes = get(served, twin, f"orders/{oid}/notes").json()
    assert [n["note"] for n in notes] == [
        "Order status changed from Processing to Completed.", "Packed"]
    for note in notes:
        _check(note, without(_table(text, "## Order note properties ##"), WRITE_ONLY), "note")
        assert note["author"] == "system"


def test_settings_currency(served, twin):
    twin.set_currency("PLN")
    setting = get(served, twin, "settings/general/woocommerce_currency").json()
    assert setting["id"] == "woocommerce_currency" and setting["value"] == "PLN"
    assert setting["type"] == "select" and "EUR" in setting["options"]
    group = get(served, twin, "settings/general").json()
    assert {s["id"] for s in group} >= {"woocommerce_currency", "woocommerce_default_country"}
    missing = httpx.get(f"{served.url}/wp-json/wc/v3/settings/general/nope", auth=signed(twin))
    assert missing.status_code == 404 and missing.json()["code"] == "rest_setting_setting_invalid"
    bad = httpx.put(f"{served.url}/wp-json/wc/v3/settings/general/woocommerce_currency",
                    auth=signed(twin), json={"value": "XXX"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_setting_value_invalid"
