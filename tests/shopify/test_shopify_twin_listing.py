"""The twin's GET orders.json over seeded and stored orders together: status, financial and
fulfillment filters, page_info next/previous, fields, errors, and seeded orders that change."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import httpx
import pytest

from ordersync.connectors.shopify.pagination import page_info_of, parse_link_header
from tests.shopify.shopify_helpers import TOKEN

API = "/admin/api/2025-01/orders.json"


@pytest.fixture
def http(served):
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as client:
        yield client


@pytest.fixture
def seeded(twin, clock):
    start = clock.datetime()
    ids = list(twin.seed_orders(300, since=start - timedelta(days=30), until=start, seed=7))
    assert twin.store.orders == {}  # a description, nothing rendered yet
    return ids


def listed(http, **params) -> list[dict]:
    response = http.get(API, params={"limit": 250, **params})
    assert response.status_code == 200, response.text
    found = response.json()["orders"]
    link = parse_link_header(response.headers.get("Link"))
    while "next" in link:
        response = http.get(API, params={"limit": 250, "page_info": page_info_of(link["next"])})
        found += response.json()["orders"]
        link = parse_link_header(response.headers.get("Link"))
    return found


def test_filters_over_seeded_orders(http, twin, seeded):
    everything = listed(http, status="any")
    assert [o["id"] for o in everything] == seeded
    kinds = Counter((o["financial_status"], o["fulfillment_status"], bool(o["closed_at"]),
                     bool(o["cancelled_at"])) for o in everything)
    open_ = sum(n for (_, _, closed, cancelled), n in kinds.items()
                if not closed and not cancelled)
    assert len(listed(http)) == open_  # status=open by default
    assert len(listed(http, status="cancelled")) == sum(
        n for k, n in kinds.items() if k[3])
    assert len(listed(http, status="closed")) == sum(n for k, n in kinds.items() if k[2])
    refunded = listed(http, status="any", financial_status="refunded")
    assert refunded and {o["financial_status"] for o in refunded} == {"refunded"}
    shipped = listed(http, status="any", fulfillment_status="shipped")
    assert shipped and {o["fulfillment_status"] for o in shipped} == {"fulfilled"}
    unfulfilled = listed(http, status="any", fulfillment_status="unfulfilled")
    assert {o["fulfillment_status"] for o in unfulfilled} == {None, "partial"}
    assert len(shipped) + len(unfulfilled) == len(everything)
    assert twin.store.orders == {}  # reading renders, it does not materialize


def test_page_info_next_and_previous_and_fields(http, seeded):
    first = http.get(API, params={"status": "any", "limit": 100, "fields": "id,name"})
    assert [o["id"] for o in first.json()["orders"]] == seeded[:100]
    assert set(first.json()["orders"][0]) == {"id", "name"}
    link = parse_link_header(first.headers["Link"])
    assert set(link) == {"next"}
    second = http.get(API, params={"limit": 100, "fields": "id",
                                   "page_info": page_info_of(link["next"])})
    assert [o["id"] for o in second.json()["orders"]] == seeded[100:200]
    link = parse_link_header(second.headers["Link"])
    assert set(link) == {"next", "previous"}
    back = http.get(API, params={"limit": 100, "page_info": page_info_of(link["previous"])})
    assert [o["id"] for o in back.json()["orders"]] == seeded[:100]
    with_filter = http.get(API, params={"status": "any", "page_info":
                                        page_info_of(link["next"])})
    assert with_filter.status_code == 400 and "page_info" in with_filter.text


def test_invalid_filters_are_400(http):
    for params in ({"status": "lost"}, {"created_at_min": "yesterday"},
                   {"financial_status": "free"}, {"fulfillment_status": "gone"},
                   {"limit": 251}):
        assert http.get(API, params=params).status_code == 400, params


def test_a_seeded_order_that_changes_is_served_once_with_its_change(http, twin, clock, seeded):
    target = next(i for i in seeded if twin._find(i)["fulfillment_status"] is None
                  and not twin._find(i)["cancelled_at"])
    clock.advance(60)
    twin.complete(target)
    orders = listed(http, status="any")
    assert [o["id"] for o in orders] == seeded
    changed = next(o for o in orders if o["id"] == target)
    assert changed["fulfillment_status"] == "fulfilled" and changed["closed_at"]
    after = listed(http, status="any", updated_at_min=clock.datetime().isoformat())
    assert [o["id"] for o in after] == [target]
