"""The check mode's bad input, planted over HTTP through the twins' control APIs, is
quarantined by the real import step, and the checker's hub verdict agrees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordersync import demo_check as dc
from ordersync import demo_traffic
from ordersync.demo_traffic import BOLCOM_FLAWS, Traffic, stock_the_shop
from ordersync.order_loop import create_in_webshop, import_orders
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.webshops import names
from ordersync.store import Store


def test_planted_bolcom_orders_are_malformed_and_end_in_error(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon")) as sandbox:
        traffic = Traffic(sandbox, lambda _: None, scripted=True)
        traffic.plant_bad_input()
        good = sandbox.bolcom.place_order()
        planted = {key[1] for key in traffic.ledger.planted if key[0] == "bolcom"}
        assert len(planted) == len(BOLCOM_FLAWS)
        ctx = sandbox.context(store, marketplace="bolcom")
        try:
            import_orders(ctx)
        finally:
            ctx.close()
        hub = dc.read_hub(store)
        assert {h.external_id: h.status for h in hub} == {
            **{order_id: "error" for order_id in planted}, good: "not_shipped"}
        markets = dc.read_bolcom(sandbox, traffic.ledger)
        limits = dc.Limits(timedelta(seconds=100), timedelta(minutes=1))
        verdict = dc.check_hub(hub, markets, limits, datetime.now(UTC) + timedelta(hours=1))
        assert verdict.findings == []
    store.dispose()


@pytest.mark.parametrize("shop", names())
def test_the_merchant_acts_in_any_registry_webshop_and_the_check_reads_it(tmp_path, shop,
                                                                           monkeypatch):
    """The demo's traffic and check drive the shop only through its ShopMerchant."""
    monkeypatch.setattr(demo_traffic, "SHIP_AFTER", 0.0)
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform=shop) as sandbox:
        traffic = Traffic(sandbox, lambda _: None, scripted=True)
        stock_the_shop(sandbox, 0, lambda _: None)
        for _ in range(6):
            traffic.buyer(0.0)
        contexts = [sandbox.context(store, marketplace=m) for m in ("bolcom", "amazon")]
        try:
            for ctx in contexts:
                import_orders(ctx)
                create_in_webshop(ctx)
        finally:
            for ctx in contexts:
                ctx.close()
        traffic.merchant()
        shop_orders = dc.read_shop(sandbox, traffic.ledger)
        unpaid = list(traffic.placed)  # pending Amazon orders wait for their payment
        assert len(shop_orders) == 6 - len(unpaid) and traffic.handled
        acted = {o.id: o for o in shop_orders if o.id in traffic.handled}
        assert len(acted) == len(traffic.handled)
        assert any(o.cancelled for o in acted.values())
        assert any(o.fulfilled and o.tracking for o in acted.values())
        assert any(o.fulfilled and not o.tracking for o in acted.values())
    store.dispose()
