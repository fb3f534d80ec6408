"""NextToken pages of the Amazon twin's Orders API (getOrders, getOrderItems).

What the Orders v0 model and guide say, and the twin does:
- "NextToken, when provided, overrides other criteria": a token carries its query's result
  (a snapshot of the matching ids) and page size (``MaxResultsPerPage`` of the first request;
  one sent along with the token overrides it);
- a token is an opaque base64 string (it may hold ``+``, ``/`` and ``=``: clients must encode
  it), and it is not used up: asking for the same token again (a retry after a timeout)
  answers the same page again;
- a token the API cannot decode, or one that has expired, is invalid input: 400
  ``InvalidInput`` "We could not decode your NextToken...". The model states no lifetime, so
  tokens live until the twin is reset unless ``ttl`` seconds are given.
"""

from __future__ import annotations

import base64
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass

UNDECODABLE = ("We could not decode your NextToken. Possible reasons include: a transmission "
               "error, improper quoting or a truncation problem.")


@dataclass(frozen=True)
class Page:
    """Where a NextToken points: the snapshot of ids, the offset and the page size."""

    ids: tuple[str, ...]
    offset: int
    size: int
    issued: float


class PageTokens:
    """Issued NextTokens (``issue``) and their lookup (``resolve``)."""

    def __init__(self, clock: Callable[[], float], ttl: float | None = None) -> None:
        self.clock, self.ttl = clock, ttl
        self._pages: dict[str, Page] = {}
        self._serial = itertools.count(1)

    def issue(self, ids: list[str] | tuple[str, ...], offset: int, size: int) -> str:
        raw = next(self._serial).to_bytes(4, "big") + secrets.token_bytes(44)
        token = base64.b64encode(raw).decode()
        self._pages[token] = Page(tuple(ids), offset, size, self.clock())
        return token

    def resolve(self, token: str) -> Page | None:
        """The page of a valid token; None when unknown or expired."""
        page = self._pages.get(token)
        if page is None or (self.ttl is not None and self.clock() - page.issued > self.ttl):
            return None
        return page

    def clear(self) -> None:
        self._pages.clear()
