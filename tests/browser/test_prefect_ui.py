"""The merchant's view, checked in a real browser: the running Prefect UI in headless
Chromium (Debian's ``chromium``, driven by Playwright through ``executable_path``).

Screenshots are kept under the test's tmp_path; their paths are printed (``pytest -s``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ordersync.orders import OrderStatus
from tests.flows.conftest import save_connection

CONNECTION = "browser-check"


def chromium_path() -> str:
    path = os.environ.get("ORDERSYNC_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not path:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does)")
    return path


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=executable,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
        except Exception as exc:  # noqa: BLE001 - any launch failure means no browser here
            pytest.skip(f"chromium at {executable} does not start headless: {exc}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def orders(prefect_server, flow_sandbox, tmp_path_factory):
    """Two order-sync runs of one connection: a good order created in Shopify, completed
    there without a code (now waiting, its tracking-wait run scheduled), and a bad one put
    in error at import (no zip code)."""
    from ordersync.flows.order_sync import order_sync, tracking_timeout
    from ordersync.flows.runtime import store_for

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-hub') / 'hub.db'}"
    old = os.environ.get("ORDERSYNC_DATABASE_URL")
    os.environ["ORDERSYNC_DATABASE_URL"] = url
    try:
        flow_sandbox.bolcom.reset()
        flow_sandbox.shopify.reset()
        save_connection(CONNECTION, flow_sandbox, tracking_wait_minutes=60)
        tracking_timeout.to_deployment(name="tracking-timeout").apply()
        good = flow_sandbox.bolcom.place_order()
        bad = flow_sandbox.bolcom.place_order()
        flow_sandbox.bolcom.stored_order(bad)["shipmentDetails"].pop("zipCode")
        order_sync(connection=CONNECTION)
        [shop_order] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{good}")
        flow_sandbox.shopify.complete(shop_order["id"])
        state = order_sync(connection=CONNECTION, return_state=True)
        store = store_for(url)
        assert store.find("bolcom", "sandbox", good).status == OrderStatus.WAITING
        bad_record = store.find("bolcom", "sandbox", bad)
        assert bad_record.status == OrderStatus.ERROR
        yield {"ui": prefect_server.ui_url, "sync_run": str(state.state_details.flow_run_id),
               "good": good, "bad": bad, "reason": bad_record.error_reason}
    finally:
        if old is None:
            os.environ.pop("ORDERSYNC_DATABASE_URL", None)
        else:
            os.environ["ORDERSYNC_DATABASE_URL"] = old


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_tracking_wait_run_is_reachable_from_its_order_sync_run(orders, page, tmp_path):
    page.goto(f"{orders['ui']}/runs/flow-run/{orders['sync_run']}")
    page.locator("li.p-tab#subflow-runs").click(no_wait_after=True)
    link = page.get_by_role("link", name=f"wait-{orders['good']}")
    link.wait_for()
    shot(page, tmp_path, "order-sync-subflow-runs")
    link.first.click(no_wait_after=True)
    page.wait_for_url(lambda url: "/runs/flow-run/" in url and orders["sync_run"] not in url)
    page.get_by_text("Parent Run").wait_for()
    body = page.inner_text("body")
    shot(page, tmp_path, "tracking-wait-run")
    assert f"wait-{orders['good']}" in body and "tracking_timeout" in body
    assert "Scheduled" in body
    page.locator("li.p-tab#parameters").click(no_wait_after=True)
    page.get_by_text(orders["good"], exact=False).last.wait_for()
    assert "marketplace_order_id" in page.inner_text("body")
    shot(page, tmp_path, "tracking-wait-parameters")


def test_order_in_error_shows_with_its_reason_in_orders_needing_attention(orders, page,
                                                                          tmp_path):
    key = "attention-" + "".join(c if c.isalnum() else "-" for c in CONNECTION.lower())
    page.goto(f"{orders['ui']}/artifacts/key/{key}")
    try:  # the key's page is a timeline of versions, newest first: open the newest
        newest = page.locator("a[href*='/artifacts/artifact/']").first
        newest.wait_for(timeout=30_000)
        shot(page, tmp_path, "attention-artifact-versions")
        newest.click()
        page.get_by_text(orders["bad"]).first.wait_for(timeout=30_000)
    finally:
        shot(page, tmp_path, "orders-needing-attention")
    body = page.inner_text("body")
    assert orders["reason"] in body
