"""A page of write outcomes in one transaction (PageWrites) and a page of status changes in
one (transition_many), on SQLite and PostgreSQL: the same rows and events as one by one,
one commit, and one bad row never costs the others their bookkeeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from ordersync.orders import OrderStatus
from ordersync.store import Action
from ordersync.store.page_writes import PageWrites
from ordersync.store.writes import Transition
from tests.factories import NOW, batch, order

S = OrderStatus
LEASE = timedelta(minutes=15)


def imported(store, n: int) -> list[int]:
    store.save_batch(batch(*(order(str(i)) for i in range(n))), platform="bolcom",
                     account="acc", now=NOW)
    return [store.find("bolcom", "acc", str(i)).id for i in range(n)]


def commits(store) -> list[int]:
    seen: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_a_page_of_creates_is_one_commit_with_every_row_and_event(store):
    ids = imported(store, 5)
    claims = store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run", now=NOW,
                                lease=LEASE)
    assert len(claims) == 5
    seen = commits(store)
    with PageWrites(store) as page:
        for n, order_id in enumerate(ids):
            page.created(order_id, webshop_platform="shopify", webshop_account="shop",
                         webshop_id=f"W{n}", now=NOW, reconciled=n == 0)
        assert seen == []  # nothing written before the page ends
    assert len(seen) == 1
    for n, order_id in enumerate(ids):
        record = store.get(order_id)
        assert record.webshop_order_id == f"W{n}"
        assert store.events(order_id)[-1]["kind"] == "webshop_created"
    assert "found existing" in store.events(ids[0])[-1]["message"]
    # the intents are done: nothing left to create, nothing claimable
    assert store.orders_needing_webshop("bolcom", "acc", 10) == []
    assert store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="other", now=NOW,
                              lease=LEASE) == {}


def test_outcomes_of_one_order_merge_in_order(store):
    (order_id,) = imported(store, 1)
    store.claim_writes(Action.CONFIRM_SHIPMENT, [order_id], owner="run", now=NOW, lease=LEASE)
    with PageWrites(store) as page:
        page.carrier_code(order_id, code="TNT", name=None, now=NOW)
        page.submitted(order_id, Action.CONFIRM_SHIPMENT, ref="P1", now=NOW)
        page.confirmed(order_id, Action.CONFIRM_SHIPMENT, now=NOW, message="processed",
                       ref="P1")
    record = store.get(order_id)
    assert record.carrier_code == "TNT" and record.marketplace_confirmed_at is not None
    assert store.submitted_writes(Action.CONFIRM_SHIPMENT, "bolcom", "acc") == []


def test_a_bad_row_is_written_alone_and_the_rest_of_the_page_goes_on(store, caplog):
    ids = imported(store, 3)
    store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run", now=NOW, lease=LEASE)
    page = PageWrites(store)
    for order_id in ids:
        page.created(order_id, webshop_platform="shopify", webshop_account="shop",
                     webshop_id=f"W{order_id}", now=NOW)
    page.created(10**9, webshop_platform="shopify", webshop_account="shop",  # no such order
                 webshop_id="W?", now=NOW)
    page.flush()
    assert all(store.get(i).webshop_order_id == f"W{i}" for i in ids)
    assert "order by order" in caplog.text


class Died(BaseException):
    """The process dying inside the page's transaction."""


def test_a_page_that_dies_in_its_commit_leaves_its_intents_claimed(store, monkeypatch):
    ids = imported(store, 4)
    store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run", now=NOW, lease=LEASE)
    page = PageWrites(store)
    page.created(ids[0], webshop_platform="shopify", webshop_account="shop", webshop_id="A",
                 now=NOW)
    page.flush()  # the first page committed
    for order_id in ids[1:]:
        page.created(order_id, webshop_platform="shopify", webshop_account="shop",
                     webshop_id="B", now=NOW)
    def die(self, outcomes):
        raise Died

    monkeypatch.setattr(PageWrites, "_write", die)
    with pytest.raises(Died):
        page.flush()
    assert store.get(ids[0]).webshop_order_id == "A"
    assert all(store.get(i).webshop_order_id is None for i in ids[1:])
    later = NOW + LEASE + timedelta(seconds=1)
    claims = store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="next", now=later,
                                lease=LEASE)
    assert sorted(claims) == ids[1:]  # reclaimable after the lease, as a retry (look up first)
    assert all(c.attempts == 2 for c in claims.values())


def test_flush_is_due_by_size_or_by_age():
    now = [0.0]
    page = PageWrites(store=None, max_orders=2, max_age=2.0, monotonic=lambda: now[0])
    assert not page.due()
    page.released(1, Action.CREATE_IN_WEBSHOP, error="429", now=NOW)
    assert not page.due()
    now[0] = 2.5
    assert page.due()
    page = PageWrites(store=None, max_orders=2, max_age=2.0, monotonic=lambda: now[0])
    page.released(1, Action.CREATE_IN_WEBSHOP, error="429", now=NOW)
    page.released(2, Action.CREATE_IN_WEBSHOP, error="429", now=NOW)
    assert page.due()


def test_a_page_of_status_changes_is_one_transaction_checked_row_by_row(store):
    ids = imported(store, 4)
    store.transition(ids[3], S.CANCELLED, now=NOW, kind="cancelled", message="x")
    seen = commits(store)
    moved, refused = store.transition_many([
        Transition(ids[0], S.SHIPPED, kind="shipped", message="a", expected=S.NOT_SHIPPED,
                   fields={"tracking_number": "3S1", "shipped_at": NOW}),
        Transition(ids[1], S.WAITING, kind="waiting", message="b", expected=S.NOT_SHIPPED,
                   fields={"waiting_since": NOW}),
        Transition(ids[2], S.SHIPPED, kind="shipped", message="c", expected=S.WAITING),
        Transition(ids[3], S.SHIPPED, kind="shipped", message="d"),
    ], now=NOW)
    assert len(seen) == 1
    assert moved == {ids[0], ids[1]}
    assert set(refused) == {ids[3]}  # cancelled -> shipped is not allowed
    assert store.get(ids[0]).status == S.SHIPPED and store.get(ids[0]).tracking_number == "3S1"
    assert store.get(ids[1]).status == S.WAITING and store.get(ids[1]).waiting_since == NOW
    assert store.get(ids[2]).status == S.NOT_SHIPPED  # moved by someone else: left alone
    assert store.events(ids[0])[-1]["message"] == "a"
