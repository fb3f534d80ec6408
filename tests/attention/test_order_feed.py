"""The order event log read back for monitoring (SQLite and PostgreSQL): a run's changes with
both ids and what they mean, the standing list of orders needing attention, overdue once."""

from __future__ import annotations

import json
from datetime import timedelta

from ordersync.orders import ErrorReason, OrderStatus, Quarantined
from ordersync.orders.attention import Problem, Thresholds
from ordersync.store import Action
from ordersync.store.order_feed import OrderFeed
from ordersync.store.pending import PendingStore
from tests.factories import NOW, batch, order

S = OrderStatus
TH = Thresholds(waiting=timedelta(hours=4), not_shipped=timedelta(hours=48))


def _created(store, ext: str, shop_id: str, *, account: str = "acc") -> int:
    store.save_batch(batch(order(ext, account=account)), platform="bolcom", account=account,
                     now=NOW)
    record = store.find("bolcom", account, ext)
    store.mark_created_in_webshop(record.id, webshop_platform="shopify", webshop_account="shop",
                                  webshop_id=shop_id, now=NOW)
    return record.id


def test_changes_since_name_both_ids_and_what_happened(store):
    feed = OrderFeed(store)
    start = feed.last_event_id()
    ok = _created(store, "1", "5001")
    refused = _created(store, "2", "5002")
    manual = _created(store, "3", "5003")
    unclear = _created(store, "4", "5004")
    _created(store, "9", "5009", account="other")  # another account: not ours
    for oid in (refused, unclear):
        store.transition(oid, S.SHIPPED, now=NOW, kind="shipped", message="completed",
                         level="warning" if oid == unclear else "info", shipped_at=NOW)
    store.claim_writes(Action.CONFIRM_SHIPMENT, [refused], owner="me", now=NOW,
                       lease=timedelta(minutes=5))
    store.fail_write(refused, Action.CONFIRM_SHIPMENT, reason=ErrorReason.SHIPMENT_FAILURE,
                     message="Request contains invalid value(s): 'NOPE'.", now=NOW)
    store.transition(manual, S.CANCELLED, now=NOW, kind="cancelled", message="cancelled")
    PendingStore(store).hand_over(manual, Action.CANCEL_ON_MARKETPLACE, expected=S.CANCELLED,
                                  reason="cancellation_failure", now=NOW,
                                  message="cancel it in Seller Central")
    store.save_batch(batch(rejected=(Quarantined("7", ErrorReason.VALIDATION, "no lines",
                                                 {"orderId": "7"}),)),
                     platform="bolcom", account="acc", now=NOW)

    changes = feed.changes_since("bolcom", "acc", start)
    by_order: dict[str, list[str]] = {}
    for change in changes:
        by_order.setdefault(change.order.external_id, []).append(change.outcome)
    assert by_order == {
        "1": ["imported", "created"],
        "2": ["imported", "created", "shipped", "error"],
        "3": ["imported", "created", "cancelled", "manual"],
        "4": ["imported", "created", "shipped"],
        "7": ["error"],
    }
    problems = {(c.order.external_id, c.problem) for c in changes if c.problem}
    assert problems == {("2", Problem.ERROR), ("3", Problem.MANUAL),
                        ("4", Problem.CARRIER_UNCLEAR), ("7", Problem.ERROR)}
    error = next(c for c in changes if c.outcome == "error" and c.order.external_id == "2")
    assert error.order.webshop_order_id == "5002" and error.order.order_id == refused
    assert error.order.error_reason == "shipment_failure" and "NOPE" in error.message
    assert ok and feed.changes_since("bolcom", "acc", changes[-1].event_id) == []
    assert feed.changes_since("bolcom", "acc", changes[4].event_id) == changes[5:]


def test_needing_attention_lists_all_problem_orders_newest_first_bounded(store):
    feed = OrderFeed(store)
    ids = [_created(store, str(i), f"50{i}") for i in range(6)]
    for n, oid in enumerate(ids[:3]):  # three errors, one after another
        store.claim_writes(Action.CREATE_IN_WEBSHOP, [oid], owner="me", now=NOW,
                           lease=timedelta(minutes=5))
        store.transition(oid, S.ERROR, now=NOW + timedelta(minutes=n), kind="x", message="m",
                         level="error", error_reason="webshop_rejected")
    store.transition(ids[3], S.WAITING, now=NOW, kind="waiting", message="w",
                     waiting_since=NOW - timedelta(hours=5))  # overdue
    store.transition(ids[4], S.WAITING, now=NOW, kind="waiting", message="w",
                     waiting_since=NOW - timedelta(hours=1))  # not yet
    # ids[5] stays not_shipped, placed at NOW: overdue only 48 h later
    items, total = feed.needing_attention("bolcom", "acc", now=NOW, thresholds=TH, limit=3)
    assert total == 4
    assert [i.order.external_id for i in items] == ["2", "1", "0"]
    assert items[0].problem == Problem.ERROR and items[0].order.error_reason == "webshop_rejected"
    items, total = feed.needing_attention("bolcom", "acc", now=NOW + timedelta(hours=49),
                                          thresholds=TH)
    assert total == 6 and {i.problem for i in items} == {
        Problem.ERROR, Problem.OVERDUE_WAITING, Problem.OVERDUE_NOT_SHIPPED}
    assert next(i for i in items if i.order.external_id == "3").since == NOW - timedelta(hours=5)
    assert feed.needing_attention("bolcom", "other", now=NOW, thresholds=TH) == ([], 0)


def test_an_overdue_order_is_recorded_once_per_stay_in_its_status(store):
    feed = OrderFeed(store)
    waiting = _created(store, "1", "5001")
    store.transition(waiting, S.WAITING, now=NOW, kind="waiting", message="w",
                     waiting_since=NOW - timedelta(hours=5))
    _created(store, "2", "5002")
    start = feed.last_event_id()
    assert feed.record_overdue("bolcom", "acc", now=NOW, thresholds=TH) == 1
    assert feed.record_overdue("bolcom", "acc", now=NOW, thresholds=TH) == 0
    later = NOW + timedelta(hours=48)
    assert feed.record_overdue("bolcom", "acc", now=later, thresholds=TH) == 1  # not shipped
    changes = feed.changes_since("bolcom", "acc", start)
    assert [(c.order.external_id, c.outcome, c.problem) for c in changes] == [
        ("1", "overdue", Problem.OVERDUE_WAITING),
        ("2", "overdue", Problem.OVERDUE_NOT_SHIPPED)]
    assert "waiting for 5.0 h" in changes[0].message
    # a new stay in waiting (a later waiting_since) is reported again
    store.transition(waiting, S.SHIPPED, now=later, kind="shipped", message="s")
    assert feed.record_overdue("bolcom", "acc", now=later, thresholds=TH) == 0


def _bulk_orders(store, n: int) -> None:
    """``n`` orders straight into the table (one statement): half refused by bol.com with a
    long message, half not shipped for three days."""
    from sqlalchemy import insert

    from ordersync.store.tables import OrderRow

    placed = NOW - timedelta(days=3)
    rows = [
        {"platform": "bolcom", "account": "acc", "external_id": f"{1_000_000_000 + i}",
         "status": "error" if i % 2 else "not_shipped",
         "error_reason": "shipment_failure" if i % 2 else None,
         "error_message": ("Request contains invalid value(s): 'NOPE'. " * 4) if i % 2 else None,
         "placed_at": placed, "webshop_platform": "shopify", "webshop_account": "shop",
         "webshop_order_id": f"{5_000_000 + i}", "test": False,
         "created_at": placed, "updated_at": placed + timedelta(seconds=i)}
        for i in range(n)
    ]
    with store.session() as s:
        s.execute(insert(OrderRow), rows)


def test_attention_artifact_rows_for_ten_thousand_orders_stay_bounded(store):
    """The artifact's table is the newest 500 whatever the backlog; prints its size."""
    from ordersync.flows.attention import attention_rows

    _bulk_orders(store, 10_000)
    feed = OrderFeed(store)
    items, total = feed.needing_attention("bolcom", "acc", now=NOW, thresholds=TH)
    rows = attention_rows(items)
    size = len(json.dumps(rows, default=str))
    print(f"\nattention artifact ({store.dialect}): {total} orders, {len(rows)} rows, "
          f"{size} bytes")
    assert total == 10_000 and len(rows) == 500 and size < 400_000
    assert rows[0]["marketplace order"] == "bolcom 1000009999"  # newest first
