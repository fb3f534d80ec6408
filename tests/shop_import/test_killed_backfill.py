"""A backfill process killed (SIGKILL) between or inside pages, then the same backfill again:
every order exactly once, and the second run starts from the last committed page."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ordersync.connectors.shopify import ShopifyConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.store import Store
from ordersync.store.shop_repository import ShopImportRepository
from tests.shop_import.helpers import context, run_backfill

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "shpat_killed"


@pytest.mark.slow
def test_killed_backfill_resumes_and_imports_every_order_once(tmp_path):
    twin = ShopifyTwin("killed", (TOKEN,), rate_limits=False)
    now = datetime.now(UTC)
    twin.seed_orders(3000, since=now - timedelta(days=50), until=now - timedelta(days=1),
                     products=30, mix={"open": 1})
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    store = Store(url)
    repo = ShopImportRepository(store)
    with ServedApp(twin.app) as served:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.shop_import.backfill_process", served.url, TOKEN,
             url], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _pages(tmp_path / "hub.db") >= 2:
                break
            assert proc.poll() is None, "the backfill ended before it could be killed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed = _states(store)[0]
        assert 2 <= killed.pages < 12 and not killed.done
        assert repo.totals()["orders"] == killed.counts["imported"]

        source = ShopifyConnector(shop="killed", access_token=TOKEN, base_url=served.url,
                                  rate_limits=False)
        twin.controls.clear()
        ctx = context(store, source, lambda: datetime.now(UTC), name="killed")
        final = run_backfill(ctx)
        source.close()
        listed = twin.controls.stats()["by_path"]
    assert final.done and final.counts["imported"] == 3000
    assert repo.totals()["orders"] == 3000
    order_pages = sum(n for path, n in listed.items() if "orders" in path)
    assert order_pages == 12 - killed.pages  # resumed after the last committed page


def _pages(path: Path) -> int:
    """Committed pages, read without taking the write lock the store's sessions take."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                            timeout=30)) as conn:
        try:
            row = conn.execute("SELECT pages FROM shop_backfills").fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return 0
    return row[0] if row else 0


def _states(store):
    from sqlalchemy import select

    from ordersync.store.shop_tables import BackfillRow

    with store.session() as s:
        keys = [(r.connection, r.key) for r in s.scalars(select(BackfillRow))]
    return [ShopImportRepository(store).backfill(*key) for key in keys]
