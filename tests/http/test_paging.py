"""The one paginator: follows every page, refuses a repeated cursor or page, never truncates."""

from __future__ import annotations

import httpx
import pytest

from ordersync.connectors.shopify.pagination import link_pages
from ordersync.http import FatalError
from ordersync.http.paging import (
    EndlessListing,
    Page,
    PagingError,
    RepeatedCursor,
    numbered,
    paginate,
)


def token_listing(pages: dict[str | None, tuple[list[int], str | None]]):
    calls: list[str | None] = []

    def fetch(cursor: str | None) -> Page[int, str]:
        calls.append(cursor)
        items, following = pages[cursor]
        return Page(items, following)

    return fetch, calls


def test_follows_every_cursor_to_the_last_page():
    fetch, calls = token_listing({None: ([1, 2], "a"), "a": ([3], "b"), "b": ([4], None)})
    pages = list(paginate(fetch, None, platform="x", listing="orders"))
    assert pages == [[1, 2], [3], [4]] and calls == [None, "a", "b"]


def test_an_empty_listing_is_one_empty_page():
    fetch, calls = token_listing({None: ([], None)})
    assert list(paginate(fetch, None, platform="x", listing="orders")) == [[]]
    assert calls == [None]


def test_a_repeated_cursor_raises_instead_of_looping():
    fetch, _ = token_listing({None: ([1], "a"), "a": ([2], "b"), "b": ([3], "a")})
    got: list[list[int]] = []
    with pytest.raises(RepeatedCursor, match="'a' handed out again after 3 pages") as info:
        for page in paginate(fetch, None, platform="amazon", listing="getOrders"):
            got.append(list(page))
    assert got == [[1], [2], [3]]  # what was read is handed on; the listing is not truncated
    assert isinstance(info.value, PagingError) and isinstance(info.value, FatalError)
    assert str(info.value).startswith("amazon: getOrders")


def test_a_cursor_pointing_at_the_first_page_is_refused():
    fetch, _ = token_listing({0: ([1], 0)})
    with pytest.raises(RepeatedCursor):
        list(paginate(fetch, 0, platform="cartum", listing="orders/get"))


def test_endless_pages_raise_instead_of_stopping_quietly():
    def fetch(n: int) -> Page[int, int]:
        return Page([n], n + 1)

    with pytest.raises(EndlessListing, match="more than 5 pages"):
        list(paginate(fetch, 0, platform="bolcom", listing="open orders", max_pages=5))
    pages = list(paginate(lambda n: Page([n], n + 1 if n < 4 else None), 0, platform="x",
                          listing="y", max_pages=5))
    assert len(pages) == 5  # exactly max_pages is fine


def test_page_numbers_stop_at_the_first_empty_page():
    data = {1: [1, 2], 2: [3], 3: []}
    pages = list(numbered(lambda n: (data[n], bool(data[n])), platform="x", listing="y"))
    assert pages == [[1, 2], [3], []]


def test_a_page_number_listing_that_ignores_the_page_raises():
    def fetch(n: int) -> tuple[list[str], bool]:
        return ["o1", "o2"], True  # the platform hands out page 1 again and again

    with pytest.raises(RepeatedCursor, match="page 2 repeats an earlier page"):
        list(numbered(fetch, platform="bolcom", listing="open orders", fingerprint=tuple))


def test_shopify_link_pages_send_only_limit_fields_and_page_info():
    sent: list[dict] = []
    links = {None: "cur1", "cur1": "cur2", "cur2": None}

    def request(query: dict) -> httpx.Response:
        sent.append(query)
        nxt = links[query.get("page_info")]
        headers = {"Link": f'<https://s/admin/orders.json?page_info={nxt}>; rel="next"'} \
            if nxt else {}
        return httpx.Response(200, json={"orders": [len(sent)]}, headers=headers)

    params = {"status": "any", "limit": 5, "fields": "id"}
    assert list(link_pages(request, params, "orders", listing="orders")) == [[1], [2], [3]]
    assert sent[0] == params
    assert sent[1:] == [{"limit": 5, "fields": "id", "page_info": "cur1"},
                        {"limit": 5, "fields": "id", "page_info": "cur2"}]


def test_shopify_link_pages_refuse_a_repeated_page_info():
    def request(query: dict) -> httpx.Response:
        return httpx.Response(200, json={"orders": []}, headers={
            "Link": '<https://s/admin/orders.json?page_info=same>; rel="next"'})

    with pytest.raises(RepeatedCursor, match="shopify: orders"):
        list(link_pages(request, {"limit": 1}, "orders", listing="orders"))
