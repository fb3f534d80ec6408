"""The parcels store on SQLite and PostgreSQL: a parcel is recorded once even when two runs
record it, claimed by one run at a time, and reclaimed (attempts counted, for a look-up
first) only after the holder's lease ran out."""

from datetime import timedelta

from ordersync.orders import OrderStatus, ParcelLine
from ordersync.store.parcels import DONE, PENDING, ParcelEntry, ParcelStore
from tests.factories import NOW, batch, order

LEASE = timedelta(minutes=10)


def saved(store, external_id="1001") -> int:
    store.save_batch(batch(order(external_id, lines=2)), platform="bolcom", account="acc",
                     now=NOW)
    return store.find("bolcom", "acc", external_id).id


def entry(parcel_id="f1") -> ParcelEntry:
    return ParcelEntry(parcel_id, "ship", (ParcelLine("1001-0", 1),), PENDING, "3SABCD1234567",
                       "postnl")


def test_a_parcel_recorded_twice_is_one_row_and_moves_the_order_once(store):
    order_id, parcels = saved(store), ParcelStore(store)
    assert parcels.record(order_id, expected=OrderStatus.NOT_SHIPPED,
                          status=OrderStatus.PARTIAL, entries=[entry()], coded=(),
                          messages=[("info", "f1")], now=NOW)
    assert not parcels.record(order_id, expected=OrderStatus.NOT_SHIPPED,  # moved already
                              status=OrderStatus.PARTIAL, entries=[entry()], coded=(),
                              messages=(), now=NOW)
    assert parcels.record(order_id, expected=OrderStatus.PARTIAL, status=None,
                          entries=[entry(), entry("f2")], coded=(), messages=(), now=NOW)
    rows = parcels.of_order(order_id)
    assert [r.parcel_id for r in rows] == ["f1", "f2"]
    assert rows[0].lines == (ParcelLine("1001-0", 1),) and rows[0].carrier == "postnl"
    assert store.find("bolcom", "acc", "1001").status == OrderStatus.PARTIAL


def test_one_claimant_at_a_time_and_a_lapsed_lease_counts_the_attempt(store):
    order_id, parcels = saved(store), ParcelStore(store)
    parcels.record(order_id, expected=OrderStatus.NOT_SHIPPED, status=OrderStatus.PARTIAL,
                   entries=[entry()], coded=(), messages=(), now=NOW)
    first = parcels.claim("bolcom", "acc", owner="a", now=NOW, lease=LEASE, limit=10)
    assert [(p.parcel_id, p.attempts) for p in first] == [("f1", 1)]
    assert parcels.claim("bolcom", "acc", owner="b", now=NOW, lease=LEASE, limit=10) == []
    later = NOW + LEASE + timedelta(seconds=1)  # "a" died after writing, before committing
    again = parcels.claim("bolcom", "acc", owner="b", now=later, lease=LEASE, limit=10)
    assert [(p.parcel_id, p.attempts) for p in again] == [("f1", 2)]
    parcels.finish(again[0], DONE, now=later, message="done")
    assert parcels.claim("bolcom", "acc", owner="c", now=later + LEASE * 2, lease=LEASE,
                         limit=10) == []


def test_cancellations_wait_for_the_orders_shipments(store):
    order_id, parcels = saved(store), ParcelStore(store)
    cancel = ParcelEntry("cancel:1001-1", "cancel", (ParcelLine("1001-1", 2),), PENDING)
    parcels.record(order_id, expected=OrderStatus.NOT_SHIPPED, status=OrderStatus.SHIPPED,
                   entries=[entry(), cancel], coded=(), messages=(), now=NOW)
    claimed = parcels.claim("bolcom", "acc", owner="a", now=NOW, lease=LEASE, limit=10)
    assert [p.kind for p in claimed] == ["ship"]
    parcels.finish(claimed[0], DONE, now=NOW, message="done")
    claimed = parcels.claim("bolcom", "acc", owner="a", now=NOW, lease=LEASE, limit=10)
    assert [p.kind for p in claimed] == ["cancel"]
    parcels.finish(claimed[0], DONE, now=NOW, message="done")
    assert parcels.complete_orders("bolcom", "acc", NOW) == [order_id]
    assert store.find("bolcom", "acc", "1001").marketplace_confirmed_at is not None
