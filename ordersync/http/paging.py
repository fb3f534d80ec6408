"""One paginator for every listing a connector follows: page numbers (bol.com, WooCommerce),
tokens (Amazon ``NextToken``, Shopify ``page_info``) and offsets (Cartum).

A connector supplies ``fetch(cursor) -> Page``; :func:`paginate` follows ``Page.next`` until it
is None. It never truncates: a cursor handed out twice (the listing would loop), a page that
repeats an earlier page's content exactly (a page-number listing that ignores the page), or more
than ``max_pages`` pages raise :class:`PagingError` naming the listing, instead of stopping
quietly with part of the orders. Pure: no I/O of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ordersync.http.errors import FatalError

T = TypeVar("T")
C = TypeVar("C", bound=Hashable)

MAX_PAGES = 100_000
"""Far beyond any real listing (5 million bol.com orders): reaching it means a loop."""


class PagingError(FatalError):
    """The platform's listing does not end (repeated cursor or page, or too many pages)."""


class RepeatedCursor(PagingError):
    """The platform handed back a cursor (or a page) already followed."""


class EndlessListing(PagingError):
    """More than ``max_pages`` pages."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T, C]):
    """One page of a listing: its items and the cursor of the next page (None: last page)."""

    items: Sequence[T]
    next: C | None = None


def paginate(
    fetch: Callable[[C], Page[T, C]], first: C, *, platform: str, listing: str,
    max_pages: int = MAX_PAGES, fingerprint: Callable[[Sequence[T]], Hashable] | None = None,
) -> Iterator[Sequence[T]]:
    """Yield each page's items (empty pages too), following ``Page.next`` from ``first``.

    ``fingerprint`` (for page-number listings, whose cursors cannot repeat) names a non-empty
    page's content, e.g. its ids; the same content twice in one listing is a repeated page.
    """
    followed: set[C] = {first}
    contents: set[Hashable] = set()
    cursor = first
    for number in range(1, max_pages + 1):
        page = fetch(cursor)
        if fingerprint is not None and page.items:
            content = fingerprint(page.items)
            if content in contents:
                raise RepeatedCursor(
                    f"{listing}: page {number} repeats an earlier page; the listing does not "
                    "advance", platform=platform)
            contents.add(content)
        yield page.items
        if page.next is None:
            return
        if page.next in followed:
            raise RepeatedCursor(
                f"{listing}: cursor {str(page.next)[:40]!r} handed out again after {number} "
                "pages; the listing would loop", platform=platform)
        followed.add(page.next)
        cursor = page.next
    raise EndlessListing(f"{listing}: more than {max_pages} pages; stopped instead of "
                         "truncating", platform=platform)


def numbered(
    fetch: Callable[[int], tuple[Sequence[T], bool]], *, platform: str, listing: str,
    start: int = 1, max_pages: int = MAX_PAGES,
    fingerprint: Callable[[Sequence[T]], Hashable] | None = None,
) -> Iterator[Sequence[T]]:
    """Page-number listings: ``fetch(n) -> (items, more)``; page n + 1 follows while ``more``."""

    def page(n: int) -> Page[T, int]:
        items, more = fetch(n)
        return Page(items, n + 1 if more else None)

    return paginate(page, start, platform=platform, listing=listing, max_pages=max_pages,
                    fingerprint=fingerprint)
