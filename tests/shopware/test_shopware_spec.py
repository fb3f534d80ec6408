"""Connector request bodies and twin answers validated against the Shopware 6.7 Admin API
schema (adminapi.json, OpenAPI 3.1), strictly (no properties beyond the spec's), and the
twin's state machines against state-machines.json. Skips when the specs are absent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ordersync.connectors.shopware import criteria
from ordersync.connectors.shopware.auth import ShopwareAuth
from ordersync.connectors.shopware.mapping import order_payload
from ordersync.sandbox.shopware import states
from tests.shopware.helpers import CLIENT_ID, POSTNL, SECRET, order, specs_dir
from tests.spec_validation import spec_validator

SPEC = specs_dir() / "adminapi.json"
MACHINES = specs_dir() / "state-machines.json"
pytestmark = pytest.mark.skipif(not SPEC.exists() or not MACHINES.exists(),
                                reason=f"Shopware 6 specs not found at {specs_dir()} "
                                       "(set ORDERSYNC_SPECS to the shared specs folder)")
SEARCH_200 = "paths/~1search~1{entity}/post/responses/200/content/application~1json/schema"
TOKEN_200 = "paths/~1oauth~1token/post/responses/200/content/application~1json/schema"


COLLECTIONS = ("calculatedTaxes", "taxRules")


def normalised(value):
    """What the generated schema can describe: Shopware prints unset fields (``updatedAt`` of
    a row never changed, ``parentId`` of a main product) as null, which the schema types
    without null; and it serialises the tax collections as JSON lists, which the schema
    types as ``object``."""
    if isinstance(value, dict):
        return {k: ({} if k in COLLECTIONS and v == [] else normalised(v))
                for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def without_required(node):
    if isinstance(node, dict):
        return {k: without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [without_required(v) for v in node]
    return node


@pytest.fixture(scope="module")
def validate():
    check = spec_validator({"admin": SPEC}, draft=7, prefix="/", default_doc="admin")
    return lambda instance, name: check(normalised(instance), name)


@pytest.fixture(scope="module")
def validate_write(tmp_path_factory):
    """Write bodies: no field beyond the schema's and the right types; the ``required`` of
    the read model (ids of the parent, ``children``, ``states``) the DAL fills itself."""
    relaxed = tmp_path_factory.mktemp("spec") / "adminapi-write.json"
    relaxed.write_text(json.dumps(without_required(json.loads(SPEC.read_text()))))
    check = spec_validator({"admin": relaxed}, draft=7, prefix="/", default_doc="admin")
    return lambda instance, name: check(normalised(instance), name)


@pytest.fixture
def api(served, twin):
    token = httpx.post(f"{served.url}/api/oauth/token", json={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}",
                                                    "Accept": "application/json"}) as client:
        yield client


def schema(name: str) -> str:
    return f"components/schemas/{name}"


def test_validator_catches_a_bad_payload(validate):
    with pytest.raises(AssertionError):
        validate({"page": "one"}, schema("Criteria"))
    with pytest.raises(AssertionError):
        validate({"id": "x" * 32, "orderNumbr": "1"}, schema("Order"))


def test_state_machines_match_the_shipped_ones():
    spec = json.loads(MACHINES.read_text())["state_machines"]
    for machine in ("order.state", "order_delivery.state"):
        expected = {(t["from"], t["action"], t["to"]) for t in spec[machine]["transitions"]}
        assert set(states.TRANSITIONS[machine]) == expected, machine
        assert set(states.states_of(machine)) == set(spec[machine]["states"])
    transactions = {(t["from"], t["action"], t["to"])
                    for t in spec["order_transaction.state"]["transitions"]}
    assert set(states.TRANSITIONS["order_transaction.state"]) <= transactions


def test_connector_criteria_are_valid(validate):
    since = datetime.now(UTC) - timedelta(hours=1)
    bodies = [criteria.changed_orders(since, None, 100), criteria.changed_orders(since, 7, 100),
              criteria.by_reference("bolcom:1", since), criteria.order_by_ids(["a" * 32]),
              criteria.products_by_number(["MUG-350", "PLATE-22"]),
              criteria.product_page(None, 100), criteria.product_page(3, 100)]
    for body in bodies:
        validate(body, schema("Criteria"))


def test_create_body_is_a_valid_order(validate_write, shop, merchant):
    ctx = shop.context()
    products = shop.products(["MUG-350", "PLATE-22"])
    body = order_payload(order("S1"), ctx, products)
    validate_write(body, schema("Order"))
    with pytest.raises(AssertionError):
        validate_write({**body, "lineItems": [{"quantity": "2"}]}, schema("Order"))
    for key in ("id", "billingAddressId", "currencyId", "languageId", "salesChannelId",
                "orderDateTime", "currencyFactor", "stateId", "itemRounding", "totalRounding"):
        assert key in body  # what the schema marks required for a stored order


def test_token_request_and_answer(validate, served, twin):
    grant = json.loads(SPEC.read_text())["components"]["schemas"][
        "OAuthClientCredentialsGrant"]["allOf"][1]
    request = ShopwareAuth(served.url, CLIENT_ID, SECRET).build_token_request()
    body = json.loads(request.content)
    assert set(grant["required"]) <= set(body) and body["grant_type"] == "client_credentials"
    answer = httpx.post(str(request.url), content=request.content, headers=request.headers)
    validate(answer.json(), TOKEN_200)
    refused = httpx.post(str(request.url), json={**body, "client_secret": "wrong"})
    assert refused.status_code == 401
    validate(refused.json(), schema("failure"))


def test_searched_orders_with_associations_are_valid(validate, api, shop, merchant):
    ids = [shop.create_order(order(f"S{n}")) for n in range(2)]
    merchant.ship(ids[0], POSTNL, "PostNL", lines={"S0-1": 1})
    merchant.cancel(ids[1])
    since = datetime.now(UTC) - timedelta(hours=1)
    for body in (criteria.changed_orders(since, None, 10), criteria.order_by_ids(ids)):
        answer = api.post("/api/search/order", json=body)
        assert answer.status_code == 200
        validate(answer.json(), SEARCH_200.replace("{entity}", "order"))
        for item in answer.json()["data"]:
            validate(item, schema("Order"))
    body = criteria.by_reference("bolcom:S0", since)
    found = api.post("/api/search/order", json=body).json()["data"]  # includes: a subset
    assert [o["id"] for o in found] == ids[:1]
    assert set(found[0]) == set(body["includes"]["order"])


def test_products_and_states_are_valid(validate, api, merchant):
    full = api.post("/api/search/product", json={"limit": 10}).json()
    validate(full, SEARCH_200.replace("{entity}", "product"))
    fields = set(json.loads(SPEC.read_text())["components"]["schemas"]["Product"]["properties"])
    for body in (criteria.products_by_number(["MUG-350"]), criteria.product_page(None, 10)):
        answer = api.post("/api/search/product", json=body).json()  # includes: a subset
        assert answer["data"] and all(set(p) <= fields for p in answer["data"])
        assert all(set(p) <= set(body["includes"]["product"]) for p in answer["data"])
    answer = api.post("/api/search/state-machine-state", json={
        "filter": [criteria.equals("technicalName", "open")]}).json()
    validate(answer, SEARCH_200.replace("{entity}", "state-machine-state"))


def test_transition_and_error_bodies(validate, api, shop, merchant):
    webshop_id = shop.create_order(order("S9"))
    moved = api.post(f"/api/_action/order/{webshop_id}/state/cancel", json={"sendMail": False})
    assert moved.status_code == 200
    validate(moved.json(), schema("StateMachineState"))
    refused = api.post(f"/api/_action/order/{webshop_id}/state/cancel", json={})
    assert refused.status_code == 400
    validate(refused.json(), schema("failure"))
    for answer in (api.post("/api/search/order", json={"limit": 0}),
                   api.get("/api/nowhere"), httpx.post(f"{api.base_url}/api/search/order",
                                                       json={})):
        assert answer.status_code in (400, 401, 404)
        validate(answer.json(), schema("failure"))
