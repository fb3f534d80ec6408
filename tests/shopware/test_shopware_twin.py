"""The twin behaves as Shopware does: OAuth2 client credentials and bearer tokens, criteria
semantics (filters through associations, sorting, paging, total-count-mode, associations,
includes), the state machines' transitions, JSON:API errors, the oauth rate limiter."""

from __future__ import annotations

import httpx
import pytest

from tests.shopware.helpers import CLIENT_ID, SECRET, order


@pytest.fixture
def api(served, twin):
    token = httpx.post(f"{served.url}/api/oauth/token", json={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}",
                                                    "Accept": "application/json"}) as client:
        yield client


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_token_grant_and_refusals(served, twin):
    url = f"{served.url}/api/oauth/token"
    good = httpx.post(url, json={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                 "client_secret": SECRET})
    assert good.status_code == 200 and good.json()["expires_in"] == 600
    assert good.json()["token_type"] == "Bearer"
    form = httpx.post(url, data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                 "client_secret": SECRET})
    assert form.status_code == 200
    wrong = httpx.post(url, json={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                  "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["meta"]["error"] == \
        "invalid_client"
    grant = httpx.post(url, json={"grant_type": "password", "client_id": CLIENT_ID})
    assert grant.status_code == 400


def test_api_needs_a_valid_unexpired_token(served, twin, api):
    bare = httpx.post(f"{served.url}/api/search/order", json={})
    assert bare.status_code == 401 and codes(bare) == ["9"]
    forged = httpx.post(f"{served.url}/api/search/order", json={},
                        headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    assert api.post("/api/search/order", json={}).status_code == 200
    for token, (client, _) in list(twin.tokens.items()):
        twin.tokens[token] = (client, 0.0)  # expired
    assert api.post("/api/search/order", json={}).status_code == 401


def test_oauth_limiter_throttles_repeated_failed_logins(served, twin):
    url = f"{served.url}/api/oauth/token"
    bad = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"}
    answers = [httpx.post(url, json=bad).status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]
    throttled = httpx.post(url, json={**bad, "client_secret": SECRET})
    assert throttled.status_code == 429 and codes(throttled) == ["FRAMEWORK__AUTH_THROTTLED"]
    assert throttled.json()["errors"][0]["meta"]["parameters"]["seconds"] >= 1
    twin.controls.rate_limits = False
    assert httpx.post(url, json={**bad, "client_secret": SECRET}).status_code == 200


def test_successful_logins_are_not_throttled(served, twin):
    url = f"{served.url}/api/oauth/token"
    good = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    assert {httpx.post(url, json=good).status_code for _ in range(25)} == {200}


def test_criteria_filters_sort_page_and_count(api, shop, merchant):
    ids = [shop.create_order(order(f"K{n}")) for n in range(5)]
    merchant.ship(ids[3], "3SABCD1234567", "PostNL")
    body = {"filter": [{"type": "equals", "field": "deliveries.stateMachineState.technicalName",
                        "value": "shipped"}]}
    found = api.post("/api/search/order", json=body).json()
    assert [o["id"] for o in found["data"]] == [ids[3]] and found["total"] == 1
    page = api.post("/api/search/order", json={
        "page": 2, "limit": 2, "sort": [{"field": "autoIncrement", "order": "DESC"}],
        "total-count-mode": "exact"}).json()
    assert [o["id"] for o in page["data"]] == [ids[2], ids[1]] and page["total"] == 5
    none = api.post("/api/search/order", json={"limit": 2}).json()
    assert none["total"] == 2  # no total counted: the page's own size
    nxt = api.post("/api/search/order", json={"limit": 1, "total-count-mode": 2}).json()
    assert nxt["total"] == 5  # at most limit * 6 + 1 past the offset
    either = api.post("/api/search/order", json={"filter": [{
        "type": "multi", "operator": "or", "queries": [
            {"type": "equals", "field": "customFields.ordersync_reference", "value": "bolcom:K0"},
            {"type": "equalsAny", "field": "order.id", "value": [ids[4]]}]}]}).json()
    assert {o["id"] for o in either["data"]} == {ids[0], ids[4]}
    ranged = api.post("/api/search/order", json={"filter": [
        {"type": "range", "field": "autoIncrement", "parameters": {"gt": 2, "lte": 4}}]}).json()
    assert [o["autoIncrement"] for o in ranged["data"]] == [3, 4]
    negated = api.post("/api/search/order", json={"filter": [{"type": "not", "queries": [
        {"type": "equals", "field": "id", "value": ids[0]}]}]}).json()
    assert ids[0] not in {o["id"] for o in negated["data"]} and len(negated["data"]) == 4


def test_only_requested_associations_and_included_fields(api, shop, merchant):
    shop.create_order(order("L1"))
    plain = api.post("/api/search/order", json={}).json()["data"][0]
    assert "lineItems" not in plain and "deliveries" not in plain
    deep = api.post("/api/search/order", json={"associations": {"deliveries": {
        "associations": {"shippingMethod": {}}}}}).json()["data"][0]
    delivery = deep["deliveries"][0]
    assert delivery["shippingMethod"]["name"] == "Standard"
    assert "positions" not in delivery and "stateMachineState" not in delivery
    trimmed = api.post("/api/search/order", json={"includes": {"order": ["id"]}}).json()
    assert set(trimmed["data"][0]) == {"id"}


def test_bad_criteria_are_400s(api):
    for body, code in (({"limit": 0}, "FRAMEWORK__INVALID_LIMIT_QUERY"),
                       ({"page": 0}, "FRAMEWORK__INVALID_PAGE_QUERY"),
                       ({"total-count-mode": "all"}, "FRAMEWORK__INVALID_CRITERIA"),
                       ({"filter": [{"type": "fuzzy", "field": "id", "value": 1}]},
                        "FRAMEWORK__INVALID_FILTER_QUERY"),
                       ({"sort": [{"field": "colour"}]}, "FRAMEWORK__INVALID_FILTER_QUERY")):
        answer = api.post("/api/search/order", json=body)
        assert answer.status_code == 400 and codes(answer) == [code], body
    assert api.post("/api/search/unicorn", json={}).status_code == 400


def test_transitions_follow_the_state_machines(api, shop, merchant, twin):
    webshop_id = shop.create_order(order("M1"))
    delivery = twin.store.orders[webshop_id]["deliveries"][0]["id"]
    path = f"/api/_action/order_delivery/{delivery}/state"
    refused = api.post(f"{path}/retour", json={})
    assert refused.status_code == 400 and codes(refused) == ["SYSTEM__ILLEGAL_STATE_TRANSITION"]
    assert "Possible transitions are: ship, ship_partially, cancel" in \
        refused.json()["errors"][0]["detail"]
    assert api.post(f"{path}/ship_partially", json={}).json()["technicalName"] == \
        "shipped_partially"
    assert api.post(f"{path}/ship", json={}).json()["technicalName"] == "shipped"
    order_path = f"/api/_action/order/{webshop_id}/state"
    assert api.post(f"{order_path}/complete", json={}).status_code == 400  # open -> process 1st
    assert api.post(f"{order_path}/process", json={}).status_code == 200
    assert api.post(f"{order_path}/complete", json={}).status_code == 200
    missing = api.post(f"/api/_action/order/{'0' * 32}/state/cancel", json={})
    assert missing.status_code == 404 and missing.json()["errors"]


def test_create_validates_like_the_dal(api, shop, merchant, twin):
    refused = api.post("/api/order", json={"id": "a" * 32})
    assert refused.status_code == 400
    pointers = {e["source"]["pointer"] for e in refused.json()["errors"]}
    assert {"/0/billingAddressId", "/0/currencyId", "/0/stateId"} <= pointers
    assert twin.store.orders == {}
    webshop_id = shop.create_order(order("N1"))
    assert api.get(f"/api/order/{webshop_id}").json()["data"]["orderNumber"] == "10001"


def test_delivery_tracking_codes_and_unknown_routes(api, shop, merchant, twin):
    webshop_id = shop.create_order(order("P1"))
    delivery = twin.store.orders[webshop_id]["deliveries"][0]
    answer = api.patch(f"/api/order-delivery/{delivery['id']}",
                       json={"trackingCodes": ["3SABCD1234567"]})
    assert answer.status_code == 204 and delivery["trackingCodes"] == ["3SABCD1234567"]
    assert delivery["updatedAt"] and twin.store.orders[webshop_id]["updatedAt"] is None
    for response in (api.get("/api/nowhere"), api.delete("/api/search/order")):
        assert response.status_code in (404, 405) and response.json()["errors"]
