"""Link header parsing and cursor bookkeeping."""

from __future__ import annotations

import httpx

from ordersync.connectors.shopify.pagination import (
    next_page_info,
    page_info_of,
    parse_link_header,
)

LINK = (
    '<https://demo.myshopify.com/admin/api/2025-01/orders.json?limit=250&page_info=prevXYZ>; '
    'rel="previous", <https://demo.myshopify.com/admin/api/2025-01/orders.json?limit=250&'
    'page_info=nextABC>; rel="next"'
)


def test_parse_link_header():
    links = parse_link_header(LINK)
    assert set(links) == {"previous", "next"}
    assert page_info_of(links["next"]) == "nextABC"
    assert page_info_of(links["previous"]) == "prevXYZ"
    assert parse_link_header(None) == {} and parse_link_header("") == {}


def test_next_page_info():
    assert next_page_info(httpx.Response(200, headers={"Link": LINK})) == "nextABC"
    last = '<https://demo.myshopify.com/admin/api/2025-01/orders.json?page_info=p>; rel="previous"'
    assert next_page_info(httpx.Response(200, headers={"Link": last})) is None
    assert next_page_info(httpx.Response(200)) is None
