"""The check mode's bad input, planted over HTTP through the twins' control APIs, is
quarantined by the real import step, and the checker's hub verdict agrees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordersync import demo_check as dc
from ordersync.demo_traffic import BOLCOM_FLAWS, Traffic
from ordersync.sandbox.stack import SandboxStack
from ordersync.store import Store
from ordersync.sync import import_orders


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
