"""The twin's answers and the connector's request bodies against Magento's admin REST schema
(admin-schema-2.4.8.yaml, Swagger 2), strict: a field the schema does not have fails.

Two documented gaps between the schema and Magento's wire format, bridged here and nowhere
else: Swagger 2 has no ``nullable`` while Magento prints unset fields as null
(``payment.cc_last4``, ``track.weight``), so every type also admits null; and the schema
declares ``parameters`` an array of ``error-parameters-item`` while Magento's error renderer
prints named parameters (``%fieldName``, ``%resources``) as one object, so such an object is
validated as that array's single item. Routes: GET/POST /V1/orders,
GET /V1/orders/{id}, POST /V1/orders/{id}/cancel, POST /V1/order/{orderId}/ship,
GET /V1/shipments, POST /V1/shipment/track, GET /V1/products, GET /V1/inventory/source-items,
and the error body."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordersync.connectors.magento.mapping import order_payload, ship_payload
from ordersync.connectors.magento.search import Filter, search_criteria
from tests.magento.conftest import TOKEN, marketplace_order
from tests.spec_validation import spec_validator

SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs")
SCHEMA = SPECS / "magento2" / "admin-schema-2.4.8.yaml"
pytestmark = pytest.mark.skipif(
    not SCHEMA.exists(),
    reason=f"Magento admin schema not found at {SCHEMA} (set ORDERSYNC_SPECS to shared/specs)")


def nullable(node: Any) -> Any:
    """The schema with ``null`` admitted wherever a type is given."""
    if isinstance(node, dict):
        node = {k: nullable(v) for k, v in node.items()}
        if isinstance(node.get("type"), str) and "properties" not in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [nullable(v) for v in node]
    return node


def as_schema_params(body: Any) -> Any:
    """An error body with named ``parameters`` (an object) as the schema's array."""
    if isinstance(body, dict) and isinstance(body.get("parameters"), dict):
        return {**body, "parameters": [body["parameters"]]}
    return body


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(SCHEMA.read_text())


@pytest.fixture(scope="module")
def validate(document, tmp_path_factory):
    path = tmp_path_factory.mktemp("magento-spec") / "admin.json"
    path.write_text(json.dumps(nullable(document)))
    return spec_validator({"admin": path}, draft=4, prefix="/definitions/", default_doc="admin")


def body_schema(document, path: str, method: str) -> dict[str, Any]:
    [param] = [p for p in document["paths"][path][method]["parameters"] if p["in"] == "body"]
    return param["schema"]


@pytest.fixture(scope="module")
def validate_body(document, validate):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.spec_validation import strict

    def check(instance: Any, path: str, method: str) -> None:
        schema = strict(nullable({**body_schema(document, path, method),
                                  "definitions": document["definitions"]}))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(instance))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]

    return check


@pytest.fixture
def api(served):
    with httpx.Client(base_url=f"{served.url}/rest/V1",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def test_the_validator_catches_a_stray_field(validate):
    with pytest.raises(AssertionError):
        validate({"items": [], "search_criteria": {"filter_groups": []}, "total_count": 0,
                  "bogus": 1}, "sales-data-order-search-result-interface")


def test_create_body_and_order_responses(validate, validate_body, api, connector):
    body = order_payload(marketplace_order(), {"MUG-350": 1, "PLATE-22": 2},
                         payment_method="checkmo", shipping_method="flatrate_flatrate")
    validate_body(body, "/V1/orders", "post")
    created = api.post("/orders", json=body)
    assert created.status_code == 200
    validate(created.json(), "sales-data-order-interface")
    one = api.get(f"/orders/{created.json()['entity_id']}").json()
    validate(one, "sales-data-order-interface")
    params = search_criteria([[Filter("updated_at", "2020-01-01 00:00:00", "gteq")],
                              [Filter("updated_at", "2020-01-01 00:00:00", "gt"),
                               Filter("entity_id", "0", "gt")]],
                             sort=[("updated_at", "ASC"), ("entity_id", "ASC")], page_size=10,
                             current_page=1)
    listed = api.get("/orders", params=params).json()
    validate(listed, "sales-data-order-search-result-interface")
    assert listed["total_count"] == 1


def test_ship_track_shipments_and_cancel(validate, validate_body, api, connector):
    shop_id = int(connector.create_order(marketplace_order()))
    item_id = api.get(f"/orders/{shop_id}").json()["items"][0]["item_id"]
    body = ship_payload({item_id: 1}, {"track_number": "3SABCD1234567", "title": "PostNL",
                                       "carrier_code": "custom"})
    validate_body(body, "/V1/order/{orderId}/ship", "post")
    shipped = api.post(f"/order/{shop_id}/ship", json=body)
    assert shipped.status_code == 200 and isinstance(shipped.json(), int)
    track = {"entity": {"order_id": shop_id, "parent_id": shipped.json(),
                        "track_number": "1Z999AA10123456784", "title": "UPS",
                        "carrier_code": "ups", "weight": 1, "qty": 1, "description": ""}}
    validate_body(track, "/V1/shipment/track", "post")
    added = api.post("/shipment/track", json=track)
    validate(added.json(), "sales-data-shipment-track-interface")
    listed = api.get("/shipments", params=search_criteria(
        [[Filter("order_id", str(shop_id), "in")]], page_size=10, current_page=1)).json()
    validate(listed, "sales-data-shipment-search-result-interface")
    assert len(listed["items"][0]["tracks"]) == 2
    cancelled = api.post(f"/orders/{shop_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json() is True


def test_catalogue_and_source_items(validate, api):
    products = api.get("/products", params=search_criteria(
        [[Filter("sku", "MUG-350,PLATE-22", "in")]])).json()
    validate(products, "catalog-data-product-search-results-interface")
    items = api.get("/inventory/source-items", params=search_criteria(
        [[Filter("source_code", "default")]], page_size=50, current_page=1)).json()
    validate(items, "inventory-api-data-source-item-search-results-interface")
    assert {i["sku"]: i["quantity"] for i in items["items"]} == {"MUG-350": 20, "PLATE-22": 5}


def test_errors_have_magentos_shape(validate, api, served):
    for response in (api.get("/orders/999"), api.get("/orders"), api.get("/no/such/route"),
                     api.post(f"/order/{998}/ship", json={}),
                     httpx.get(f"{served.url}/rest/V1/orders/1")):
        assert response.status_code in (400, 401, 404)
        validate(as_schema_params(response.json()), "error-response")
