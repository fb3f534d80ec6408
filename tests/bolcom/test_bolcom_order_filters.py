"""GET /retailer/orders honours every query parameter of retailer.json (types, ranges,
defaults; a 400 Problem with one violation per invalid value), and pages like the spec."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from tests.bolcom.conftest import CLIENT_ID, SECRET

MEDIA = "application/vnd.retailer.v10+json"


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    with httpx.Client(base_url=served.url,
                      headers={"Authorization": f"Bearer {token}", "Accept": MEDIA}) as client:
        yield client


def _ids(api: httpx.Client, **params: str) -> list[str]:
    response = api.get("/retailer/orders", params=params)
    assert response.status_code == 200, response.text
    return [o["orderId"] for o in response.json()["orders"]]


def _violations(api: httpx.Client, **params: str) -> list[str]:
    response = api.get("/retailer/orders", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(MEDIA)
    body = response.json()
    assert body["status"] == 400 and body["type"] == "https://api.bol.com/problems"
    return [v["name"] for v in body["violations"]]


def _item(**extra: str) -> list[dict]:
    return [{"ean": "8712345678906", "title": "Mug", "quantity": 1, "unitPrice": 9.5, **extra}]


def test_a_page_past_the_end_has_an_empty_orders_list(api, twin) -> None:
    twin.place_order()
    assert api.get("/retailer/orders", params={"page": 2}).json() == {"orders": []}


def test_no_orders_at_all_is_an_empty_orders_list(api) -> None:
    assert api.get("/retailer/orders").json() == {"orders": []}


def test_defaults_are_fbr_and_open(api, twin) -> None:
    fbr = twin.place_order(_item())
    fbb = twin.place_order(_item(fulfilmentMethod="FBB"))
    assert _ids(api) == [fbr]
    assert _ids(api, **{"fulfilment-method": "ALL"}) == [fbr, fbb]


def test_change_interval_minute_keeps_recent_changes_only(api, twin, clock) -> None:
    clock.advance(-30 * 60)  # back in time: the api token stays valid
    old = twin.place_order(_item())
    clock.advance(30 * 60)
    new = twin.place_order(_item())
    assert _ids(api, **{"change-interval-minute": "10"}) == [new]
    assert _ids(api, **{"change-interval-minute": "60"}) == [old, new]
    twin.request_cancellation(old)  # a change brings it back into the window
    assert _ids(api, **{"change-interval-minute": "10"}) == [old, new]


@pytest.mark.parametrize("value", ["61", "abc", "1.5", "", "99999999999"])
def test_invalid_change_interval_minute_is_a_violation(api, value) -> None:
    assert _violations(api, **{"change-interval-minute": value}) == ["change-interval-minute"]


def test_latest_change_date_keeps_that_days_changes(api, twin) -> None:
    order = twin.place_order(_item())
    stamp = api.get("/retailer/orders").json()["orders"][0]["orderItems"][0]
    day = date.fromisoformat(stamp["latestChangedDateTime"][:10])
    assert _ids(api, **{"latest-change-date": day.isoformat()}) == [order]
    assert _ids(api, **{"latest-change-date": (day - timedelta(days=1)).isoformat()}) == []


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2020-01-01", "01-02-2026"])
def test_invalid_or_too_old_latest_change_date_is_a_violation(api, value) -> None:
    assert _violations(api, **{"latest-change-date": value}) == ["latest-change-date"]


def test_vvb_only_keeps_orders_shipped_with_bol_labels(api, twin) -> None:
    plain = twin.place_order(_item())
    vvb = twin.place_order(_item(distributionParty="BOL"))
    assert _ids(api, **{"vvb-only": "true"}) == [vvb]
    assert _ids(api, **{"vvb-only": "false"}) == [plain, vvb]
    assert _violations(api, **{"vvb-only": "maybe"}) == ["vvb-only"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "2147483648"])
def test_invalid_page_is_a_violation(api, value) -> None:
    assert _violations(api, page=value) == ["page"]


def test_every_invalid_value_is_its_own_violation(api) -> None:
    names = _violations(api, **{"page": "0", "fulfilment-method": "X", "status": "Y",
                                "vvb-only": "2"})
    assert names == ["page", "fulfilment-method", "status", "vvb-only"]


def test_problem_instance_is_a_uri_also_for_odd_ids(api) -> None:
    response = api.get("/retailer/orders/%C3%93%17%20B")
    assert response.status_code == 404
    assert response.json()["instance"] == "https://api.bol.com/retailer/orders/%C3%93%17%20B"
