"""Shopify REST cursor pagination: the ``Link`` response header and its ``page_info`` tokens.

Shopify answers a list request with ``Link: <https://{shop}/admin/api/{v}/orders.json?limit=250&
page_info=XYZ>; rel="next", <...>; rel="previous"``. The next request must carry that
``page_info`` and nothing else than ``limit`` and ``fields``: the filters are sealed in the token.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

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


class RepeatedCursor(RuntimeError):
    """The platform handed back a cursor already followed: stop rather than loop forever."""


class CursorTracker:
    """Remembers the cursors followed in one listing and refuses a repeated one."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def advance(self, cursor: str | None) -> str | None:
        if cursor is not None:
            if cursor in self._seen:
                raise RepeatedCursor(f"page_info repeated after {len(self._seen)} pages")
            self._seen.add(cursor)
        return cursor
