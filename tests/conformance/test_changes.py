"""Changed orders since a watermark: every page, nothing skipped or repeated, also when orders
change while the listing is paged; the next poll (watermark minus overlap) sees those changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

OVERLAP = timedelta(seconds=2)  # the loop's overlap is at least the lease; seconds suffice here
PAGE = 3


def poll(connector, since):
    pages = [[s for s in page] for page in connector.changed_orders(since)]
    return pages, [s.webshop_id for page in pages for s in page]


def test_every_page_once(kit):
    start = datetime.now(UTC) - OVERLAP
    created = [kit.create()[1] for _ in range(2 * PAGE + 1)]
    kit.connector.page_size = PAGE
    pages, ids = poll(kit.connector, start)
    assert len(pages) >= 3 and all(len(p) <= PAGE for p in pages)
    assert sorted(ids) == sorted(created) and len(ids) == len(set(ids))


def test_nothing_before_the_watermark(kit):
    kit.create()
    time.sleep(1.1)  # the platforms stamp whole seconds
    _, ids = poll(kit.connector, datetime.now(UTC) + timedelta(seconds=1))
    assert ids == []


def test_orders_changing_while_paging_are_neither_skipped_nor_repeated(kit):
    start = datetime.now(UTC) - OVERLAP
    created = [kit.create()[1] for _ in range(2 * PAGE + 1)]
    kit.connector.page_size = PAGE
    seen: list[str] = []
    changed: list[str] = []
    for number, page in enumerate(kit.connector.changed_orders(start)):
        seen.extend(s.webshop_id for s in page)
        if number == 0:  # the merchant ships one order already listed and one still ahead
            ahead = [i for i in created if i not in seen]
            changed = [seen[0], ahead[-1]]
            for shop_id in changed:
                kit.merchant.ship(shop_id, None)
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))
    # the next run, from the watermark minus the overlap
    states = {s.webshop_id: s for page in kit.connector.changed_orders(start - OVERLAP)
              for s in page}
    assert set(changed) <= set(states)
    assert all(states[i].completed for i in changed)  # the change made during paging is seen
