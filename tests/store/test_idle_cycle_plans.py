"""Every query an idle order-sync cycle runs uses an index on PostgreSQL, so its cost stays
flat however many orders the hub has handled (issue 15, item 4; the figures are in
``benchmarks/idle_cycle.py``).

A connection with a few thousand finished orders of history and a few open ones runs a real
cycle, then an idle one whose statements are captured; each is EXPLAINed with its own
parameters, after ANALYZE and with ``enable_seqscan`` off, so a remaining sequential scan on
orders, order lines, events or intents means an index is missing; and run with EXPLAIN
ANALYZE, where no query may read more than a few rows (an index on too short a prefix would
read the connection's whole history without a Seq Scan).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from ordersync.order_loop.cycle import run_cycle
from ordersync.sandbox.stack import SandboxStack
from ordersync.store import Store
from ordersync.store.history import load_history
from ordersync.store.query_plans import (
    StatementLog,
    analyze,
    explain,
    explain_on,
    is_query,
    rows_touched,
    seq_scans,
)
from tests.databases import empty_every_table

pytestmark = pytest.mark.postgres
HISTORY = 5000
READ_LIMIT = 50  # rows one query of an idle cycle may read (3 open orders; 5000 finished)


@pytest.fixture
def hub(postgres_url):
    store = Store(postgres_url)
    empty_every_table(store.engine)
    yield store
    empty_every_table(store.engine)
    store.dispose()


def idle_queries(store: Store, marketplace: str) -> tuple[dict, dict[str, int]]:
    """The distinct queries of an idle cycle (after history and a real cycle), and the
    requests it made per path at the twins."""
    with SandboxStack(rate_limits=False, marketplaces=(marketplace,)) as stack:
        ctx = stack.context(store)
        twin = getattr(stack, marketplace)
        for _ in range(3):
            twin.place_order()
        load_history(store.engine, start=0, stop=HISTORY, total=HISTORY,
                     now=datetime.now(UTC), platform=ctx.marketplace.platform,
                     account=ctx.marketplace.account, webshop_platform=ctx.webshop.platform,
                     webshop_account=ctx.webshop.account)
        assert run_cycle(ctx).counts.get("created") == 3
        analyze(store.engine)
        before = dict(twin.controls.stats()["by_path"])
        log = StatementLog()
        with log.capture(store.engine):
            idle = run_cycle(ctx)
        after = twin.controls.stats()["by_path"]
    assert not any(idle.counts.get(k) for k in ("imported", "created", "shipped")), idle.counts
    requests = {p: n - before.get(p, 0) for p, n in after.items() if n != before.get(p, 0)}
    return {sql: s for sql, s in log.distinct().items() if is_query(sql)}, requests


@pytest.mark.parametrize("marketplace", ["bolcom", "amazon"])
def test_every_idle_cycle_query_uses_an_index(hub, marketplace):
    queries, requests = idle_queries(hub, marketplace)
    assert len(requests) == 1 and list(requests.values()) == [1], requests  # one list call
    assert len(queries) >= 10  # the steps and the monitoring reads were all captured
    scans = {}
    for sql, statement in queries.items():
        plan = explain(hub.engine, statement, seqscan=False)
        if seq_scans(plan):
            scans[" ".join(sql.split())] = plan
    assert scans == {}, "\n\n".join(f"{sql}\n{plan}" for sql, plan in scans.items())
    touched = {" ".join(sql.split()): rows_touched(hub.engine, s) for sql, s in queries.items()}
    assert {sql: n for sql, n in touched.items() if n > READ_LIMIT} == {}


def test_a_missing_index_shows_as_a_scan_and_as_rows_read(hub):
    """Both checks above can fail: without the index on open orders the open-order queries
    read the connection's history through the natural key's (platform, account) prefix, and
    without any index on status they scan."""
    queries, _ = idle_queries(hub, "bolcom")
    status_queries = {sql: s for sql, s in queries.items() if "orders.status =" in sql}
    assert status_queries
    with hub.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_orders_unconfirmed"))
        conn.execute(text("DROP INDEX ix_orders_status"))
    try:
        analyze(hub.engine)
        assert max(rows_touched(hub.engine, s) for s in status_queries.values()) > HISTORY
        with hub.engine.connect() as conn, conn.begin():
            conn.execute(text("ALTER TABLE orders DROP CONSTRAINT uq_orders_natural_key"))
            scanned = [sql for sql, s in status_queries.items()
                       if "orders" in seq_scans(explain_on(conn, s, seqscan=False))]
            conn.rollback()
        assert scanned
    finally:  # the session's shared test database gets its indexes back
        with hub.engine.begin() as conn:
            conn.execute(text("CREATE INDEX ix_orders_unconfirmed ON orders (platform, "
                              "account, status, marketplace_confirmed_at)"))
            conn.execute(text("CREATE INDEX ix_orders_status ON orders (platform, account, "
                              "status)"))


def _cancelled_in_the_shop(store: Store) -> tuple[int, int]:
    """Two orders through the loop: one cancelled in the webshop (and so on the
    marketplace), one left open. Returns their row ids."""
    with SandboxStack(rate_limits=False) as stack:
        ctx = stack.context(store)
        cancelled, kept = stack.bolcom.place_order(), stack.bolcom.place_order()
        run_cycle(ctx)
        (shop_order,) = stack.shopify.orders_with_reference(f"bolcom:{cancelled}")
        stack.shopify.cancel(shop_order["id"])
        assert run_cycle(ctx).counts.get("pushed") == 1
        mp = ctx.marketplace
        return (store.find(mp.platform, mp.account, cancelled).id,
                store.find(mp.platform, mp.account, kept).id)


def test_a_cancellation_confirmed_on_the_marketplace_is_not_read_again(store):
    """Every cycle lists cancelled orders not yet confirmed on the marketplace; a done
    cancellation must leave that list, or idle cycles grow with the cancellation history."""
    cancelled, _ = _cancelled_in_the_shop(store)
    record = store.get(cancelled)
    assert record.status == "cancelled" and record.marketplace_confirmed_at is not None
    assert store.orders_to_cancel_on_marketplace(record.platform, record.account, 200) == []


def test_migration_0006_stamps_cancellations_already_done(store):
    """Orders cancelled before 0006 (done intent, no stamp) are stamped; others are not."""
    import importlib.util
    from pathlib import Path

    import ordersync.store

    path = Path(ordersync.store.__file__).parent / "migrations/versions/0006_idle_cycle.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cancelled, kept = _cancelled_in_the_shop(store)
    with store.engine.begin() as conn:  # as the hub left it before 0006
        conn.execute(text("UPDATE orders SET marketplace_confirmed_at = NULL"))
        conn.execute(text(module.BACKFILL))
    assert store.get(cancelled).marketplace_confirmed_at is not None
    assert store.get(kept).marketplace_confirmed_at is None
    record = store.get(cancelled)
    assert store.orders_to_cancel_on_marketplace(record.platform, record.account, 200) == []
