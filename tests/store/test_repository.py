"""Store behaviour on SQLite and PostgreSQL: natural keys, quarantine, intents, watermarks."""

from datetime import timedelta

import pytest

from ordersync.orders import ErrorReason, InvalidTransition, OrderStatus, Quarantined
from ordersync.store import Action
from tests.factories import NOW, batch, order

S = OrderStatus


def test_importing_the_same_order_twice_stores_it_once(store):
    first = store.save_batch(
        batch(order("1"), order("2")), platform="bolcom", account="acc", now=NOW
    )
    again = store.save_batch(
        batch(order("1"), order("3")), platform="bolcom", account="acc", now=NOW
    )
    assert (first.created, again.created) == (2, 1)
    assert store.count_by_status() == {"not_shipped": 3}
    record = store.find("bolcom", "acc", "1")
    assert record.lines[0].line_id == "1-0" and str(record.total) == "9.95"
    assert record.placed_at == NOW and record.shipping_address.city == "Amsterdam"


def test_same_external_id_on_two_accounts_is_two_orders(store):
    store.save_batch(batch(order("1", account="a")), platform="bolcom", account="a", now=NOW)
    store.save_batch(batch(order("1", account="b")), platform="bolcom", account="b", now=NOW)
    assert store.count_by_status() == {"not_shipped": 2}


def test_bad_payload_is_quarantined_with_reason_and_the_batch_goes_on(store):
    bad = Quarantined(
        "9", ErrorReason.ADDRESS_PARSING, "shipment address has no zip code", {"orderId": "9"}
    )
    result = store.save_batch(
        batch(order("1"), rejected=(bad,)), platform="bolcom", account="acc", now=NOW
    )
    assert (result.created, result.quarantined) == (1, 1)
    record = store.find("bolcom", "acc", "9")
    assert record.status == S.ERROR and record.error_reason == "address_parsing"
    assert "zip code" in store.events(record.id)[-1]["message"]
    # Quarantined payloads are fetched again (the marketplace may fix them) ...
    assert store.known_external_ids("bolcom", "acc", ["1", "9"]) == {"1"}
    # ... and a valid version repairs the order instead of duplicating it.
    repaired = store.save_batch(batch(order("9")), platform="bolcom", account="acc", now=NOW)
    assert repaired.repaired == 1 and repaired.created == 0
    assert store.find("bolcom", "acc", "9").status == S.NOT_SHIPPED
    assert store.count_by_status() == {"not_shipped": 2}


def test_cancellation_request_moves_open_order(store):
    store.save_batch(batch(order("1")), platform="bolcom", account="acc", now=NOW)
    r = store.save_batch(
        batch(cancellation_requests=("1",)), platform="bolcom", account="acc", now=NOW
    )
    assert r.cancellation_requests == 1
    assert store.find("bolcom", "acc", "1").status == S.CANCELLATION_REQUEST


def test_claims_are_exclusive_until_the_lease_runs_out(store):
    store.save_batch(batch(order("1"), order("2")), platform="bolcom", account="acc", now=NOW)
    ids = [store.find("bolcom", "acc", e).id for e in ("1", "2")]
    lease = timedelta(minutes=15)
    a = store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run-a", now=NOW, lease=lease)
    b = store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run-b", now=NOW, lease=lease)
    assert set(a) == set(ids) and b == {}
    assert all(c.attempts == 1 for c in a.values())
    # run-a dies; after the lease, run-b takes over and knows an earlier attempt happened
    later = NOW + lease + timedelta(seconds=1)
    b = store.claim_writes(Action.CREATE_IN_WEBSHOP, ids, owner="run-b", now=later, lease=lease)
    assert set(b) == set(ids) and all(c.attempts == 2 for c in b.values())


def test_done_intent_is_never_claimed_again(store):
    store.save_batch(batch(order("1")), platform="bolcom", account="acc", now=NOW)
    oid = store.find("bolcom", "acc", "1").id
    store.claim_writes(
        Action.CREATE_IN_WEBSHOP, [oid], owner="a", now=NOW, lease=timedelta(minutes=1)
    )
    store.mark_created_in_webshop(
        oid, webshop_platform="shopify", webshop_account="shop", webshop_id="42", now=NOW
    )
    later = NOW + timedelta(hours=1)
    assert (
        store.claim_writes(
            Action.CREATE_IN_WEBSHOP, [oid], owner="b", now=later, lease=timedelta(minutes=1)
        )
        == {}
    )
    assert store.orders_needing_webshop("bolcom", "acc", 10) == []
    assert store.orders_by_webshop_ids(
        "shopify", "shop", ["42"], platform="bolcom", account="acc"
    )["42"].id == oid
    assert store.orders_by_webshop_ids("shopify", "shop", ["42"], platform="amazon",
                                       account="acc") == {}
    assert store.orders_by_webshop_ids("shopify", "shop", ["42"], platform="bolcom",
                                       account="acc", statuses=[S.NOT_SHIPPED])["42"].id == oid
    assert store.orders_by_webshop_ids("shopify", "shop", ["42"], platform="bolcom",
                                       account="acc", statuses=[S.SHIPPED, S.WAITING]) == {}


def test_released_intent_is_reclaimable_at_once_with_attempt_count(store):
    store.save_batch(batch(order("1")), platform="bolcom", account="acc", now=NOW)
    oid = store.find("bolcom", "acc", "1").id
    lease = timedelta(minutes=15)
    store.claim_writes(Action.CONFIRM_SHIPMENT, [oid], owner="a", now=NOW, lease=lease)
    store.release_write(oid, Action.CONFIRM_SHIPMENT, error="503", now=NOW)
    again = store.claim_writes(Action.CONFIRM_SHIPMENT, [oid], owner="b", now=NOW, lease=lease)
    assert again[oid].attempts == 2


def test_transitions_are_checked_and_guarded(store):
    store.save_batch(batch(order("1")), platform="bolcom", account="acc", now=NOW)
    oid = store.find("bolcom", "acc", "1").id
    assert store.transition(oid, S.WAITING, now=NOW, kind="waiting", message="w", waiting_since=NOW)
    # an overlapping run that still thinks the order is not_shipped changes nothing
    assert not store.transition(
        oid, S.WAITING, now=NOW, kind="waiting", message="w", expected=S.NOT_SHIPPED
    )
    with pytest.raises(InvalidTransition):
        store.transition(oid, S.NOT_SHIPPED, now=NOW, kind="x", message="x")
    assert [r.id for r in store.overdue_waiting("bolcom", "acc", NOW)] == [oid]
    assert store.overdue_waiting("bolcom", "acc", NOW - timedelta(seconds=1)) == []


def test_watermark_only_moves_forward(store):
    assert store.watermark("c", "s") is None
    store.set_watermark("c", "s", NOW, now=NOW)
    store.set_watermark("c", "s", NOW - timedelta(hours=1), now=NOW)
    assert store.watermark("c", "s") == NOW
    store.set_watermark("c", "s", NOW + timedelta(minutes=5), now=NOW)
    assert store.watermark("c", "s") == NOW + timedelta(minutes=5)


def test_fail_write_sets_typed_error(store):
    store.save_batch(batch(order("1")), platform="bolcom", account="acc", now=NOW)
    oid = store.find("bolcom", "acc", "1").id
    store.claim_writes(
        Action.CREATE_IN_WEBSHOP, [oid], owner="a", now=NOW, lease=timedelta(minutes=1)
    )
    store.fail_write(
        oid,
        Action.CREATE_IN_WEBSHOP,
        reason=ErrorReason.WEBSHOP_REJECTED,
        message="line_items: sku unknown",
        now=NOW,
    )
    record = store.get(oid)
    assert record.status == S.ERROR and record.error_reason == "webshop_rejected"
    assert store.write_states(Action.CREATE_IN_WEBSHOP) == {"failed": 1}


def test_first_watermark_written_by_two_runs_at_once(store):
    import threading

    errors = []

    def write(offset):
        try:
            store.set_watermark("c", "race", NOW + timedelta(seconds=offset), now=NOW)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.watermark("c", "race") == NOW + timedelta(seconds=7)


def test_payload_without_id_is_quarantined_once_across_processes(store):
    import subprocess
    import sys

    raw = {"orderItems": [], "note": "no orderId at all"}
    code = ("from ordersync.store.repository import unidentified_key; "
            f"print(unidentified_key({raw!r}))")
    keys = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)}
    assert len(keys) == 1  # not salted per process
    bad = Quarantined(None, ErrorReason.VALIDATION, "no order id", raw)
    for _ in range(2):  # two cycles see the same bad payload
        store.save_batch(batch(rejected=(bad,)), platform="bolcom", account="acc", now=NOW)
    assert store.count_by_status() == {"error": 1}
    assert store.find("bolcom", "acc", keys.pop()) is not None
