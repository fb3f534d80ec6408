"""getOrders/getOrderItems NextToken as the Orders v0 model and guide describe it: the token
overrides the other criteria but keeps the page size, is reusable (a retried page is the same
page), and an undecodable or expired one is 400 InvalidInput."""

from __future__ import annotations

import httpx
import pytest

from ordersync.http import ValidationError
from ordersync.sandbox.amazon import MARKETPLACE_ID
from tests.amazon.helpers import CLIENT_ID, REFRESH, SECRET, fault, stats

ORDERS = "/orders/v0/orders"
SINCE = "2000-01-01T00:00:00Z"


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=served.url, headers={"x-amz-access-token": token}) as client:
        yield client


def _page(api: httpx.Client, **params: str) -> dict:
    response = api.get(ORDERS, params={"MarketplaceIds": MARKETPLACE_ID, **params})
    assert response.status_code == 200, response.text
    return response.json()["payload"]


def _ids(payload: dict) -> list[str]:
    return [o["AmazonOrderId"] for o in payload["Orders"]]


def _invalid(response: httpx.Response) -> str:
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "InvalidInput" and set(error) == {"code", "message", "details"}
    return error["message"]


def test_max_results_per_page_holds_on_next_token_pages(connector, twin) -> None:
    for _ in range(5):
        twin.place_order()
    pages = list(connector._order_pages({"MarketplaceIds": MARKETPLACE_ID,
                                         "CreatedAfter": SINCE, "MaxResultsPerPage": 2}))
    assert [len(p) for p in pages] == [2, 2, 1]


def test_page_size_sent_with_the_token_overrides(api, twin) -> None:
    ids = [twin.place_order() for _ in range(6)]
    first = _page(api, CreatedAfter=SINCE, MaxResultsPerPage="2")
    second = _page(api, NextToken=first["NextToken"], MaxResultsPerPage="3")
    assert _ids(second) == ids[2:5]
    assert _invalid(api.get(ORDERS, params={"MarketplaceIds": MARKETPLACE_ID,
                                            "NextToken": first["NextToken"],
                                            "MaxResultsPerPage": "101"}))


def test_the_token_overrides_the_other_criteria(api, twin) -> None:
    ids = [twin.place_order() for _ in range(3)]
    first = _page(api, CreatedAfter=SINCE, MaxResultsPerPage="1")
    later = _page(api, NextToken=first["NextToken"], CreatedAfter="2999-01-01T00:00:00Z")
    assert _ids(later) == ids[1:2]


def test_a_token_sent_again_answers_the_same_page(api, twin) -> None:
    ids = [twin.place_order() for _ in range(3)]
    token = _page(api, CreatedAfter=SINCE, MaxResultsPerPage="2")["NextToken"]
    assert _ids(_page(api, NextToken=token)) == _ids(_page(api, NextToken=token)) == ids[2:]


def test_a_lost_next_token_page_is_retried_by_the_connector(connector, twin, served) -> None:
    ids = [twin.place_order() for _ in range(150)]
    pages = connector._order_pages({"MarketplaceIds": MARKETPLACE_ID, "CreatedAfter": SINCE,
                                    "MaxResultsPerPage": 100})
    first = next(pages)
    fault(served.url, method="GET", path=f"^{ORDERS}$", status=503, after_handling=True)
    rest = list(pages)
    assert [o["AmazonOrderId"] for o in first + rest[0]] == ids
    assert stats(served.url)[f"GET {ORDERS}"] == 3  # the lost page was asked for twice


@pytest.mark.parametrize("token", ["nonsense", "nt-1-100", "AAAA+/=="])
def test_an_undecodable_token_is_invalid_input(api, twin, token) -> None:
    for _ in range(3):
        twin.place_order()
    issued = _page(api, CreatedAfter=SINCE, MaxResultsPerPage="1")["NextToken"]
    assert token != issued
    response = api.get(ORDERS, params={"MarketplaceIds": MARKETPLACE_ID, "NextToken": token})
    assert "decode your NextToken" in _invalid(response)


def test_an_expired_token_is_invalid_input(api, twin, clock, connector, monkeypatch) -> None:
    monkeypatch.setattr(twin.order_pages, "ttl", 300.0)
    for _ in range(3):
        twin.place_order()
    token = _page(api, CreatedAfter=SINCE, MaxResultsPerPage="1")["NextToken"]
    clock.advance(301)
    assert "decode your NextToken" in _invalid(
        api.get(ORDERS, params={"MarketplaceIds": MARKETPLACE_ID, "NextToken": token}))
    pages = connector._order_pages({"MarketplaceIds": MARKETPLACE_ID, "NextToken": token})
    with pytest.raises(ValidationError):  # a 400 the connector does not retry
        next(pages)


def test_order_items_token_is_reusable_and_bound_to_its_order(api, twin) -> None:
    twin.items_page_size = 1
    order = twin.place_order([{"sku": "A"}, {"sku": "B"}])
    other = twin.place_order([{"sku": "C"}, {"sku": "D"}])
    path = f"{ORDERS}/{order}/orderItems"
    token = api.get(path).json()["payload"]["NextToken"]
    again = [api.get(path, params={"NextToken": token}).json()["payload"] for _ in range(2)]
    assert again[0] == again[1] and [i["SellerSKU"] for i in again[0]["OrderItems"]] == ["B"]
    _invalid(api.get(f"{ORDERS}/{other}/orderItems", params={"NextToken": token}))
