"""Shopify REST cursor pagination: the ``Link`` response header and its ``page_info`` tokens.

Shopify answers a list request with ``Link: <https://{shop}/admin/api/{v}/orders.json?limit=250&
page_info=XYZ>; rel="next", <...>; rel="previous"``. The next request must carry that
``page_info`` and nothing else than ``limit`` and ``fields``: the filters are sealed in the token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ordersync.http.paging import Page, paginate

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')


def parse_link_header(value: str | None) -> dict[str, str]:
    """``rel -> url`` of an RFC 8288 Link header (empty when absent)."""
    return {rel.strip(): url for url, rel in _LINK.findall(value or "")}


def page_info_of(url: str) -> str | None:
    """The ``page_info`` query parameter of a Link URL, if any."""
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None


def next_page_info(response: httpx.Response) -> str | None:
    """The cursor of the next page, or None on the last page."""
    url = parse_link_header(response.headers.get("Link")).get("next")
    return page_info_of(url) if url else None


def link_pages(
    request: Callable[[dict[str, Any]], httpx.Response], params: Mapping[str, Any], key: str,
    *, platform: str = "shopify", listing: str,
) -> Iterator[Sequence[Any]]:
    """Every page of a Link-paginated listing (through :func:`ordersync.http.paging.paginate`):
    the first request with ``params``, the next ones with ``page_info`` plus only ``limit``
    and ``fields`` (the filters are sealed in the token)."""
    kept = {k: params[k] for k in ("limit", "fields") if k in params}

    def fetch(cursor: str | None) -> Page[Any, str]:
        response = request(dict(params) if cursor is None else {**kept, "page_info": cursor})
        return Page(response.json()[key], next_page_info(response))

    return paginate(fetch, None, platform=platform, listing=listing)
