"""Returns end to end over served twins: a bol.com buyer returns items, the hub imports the
return, registers it in Shopify / WooCommerce per the connection's ``returns`` setting
(note, restock, refund with restock), handles it on bol.com, and shows the order returned;
crashes and lost answers between a write and its commit never write twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from ordersync.order_loop import ConnectionSettings
from ordersync.order_loop.returns import import_returns, register_returns, sync_returns
from ordersync.order_loop.steps import StepResult
from ordersync.orders import OrderStatus
from ordersync.sandbox.common import Fault
from ordersync.sandbox.stack import SandboxStack
from ordersync.store.returns import ReturnStore
from tests.sync.test_order_loop import cycle

MUG, PLATE = "MUG-350", "PLATE-22"


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it)."""


@pytest.fixture(scope="module", params=["shopify", "woocommerce"])
def shop_stack(request):
    with SandboxStack(rate_limits=False, marketplaces=("bolcom",),
                      shop_platform=request.param) as stack:
        yield stack


@dataclass
class World:
    stack: SandboxStack

    @property
    def shop(self) -> str:
        return self.stack.shop_platform

    def context(self, store, mode: str = "register", **kw):
        settings = ConnectionSettings(name="sandbox", process_poll_interval=0.01, returns=mode)
        return self.stack.context(store, settings, **kw)

    def sold_and_shipped(self, store, ctx) -> tuple[str, dict[str, str]]:
        """A bol.com order of 2 mugs and a plate, created in the shop, shipped with a code and
        confirmed on bol.com; (order id, {sku: order item id})."""
        bol = self.stack.bolcom
        order_id = bol.place_order(items=[
            {"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.5,
             "offerReference": MUG},
            {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25,
             "offerReference": PLATE}])
        cycle(ctx)
        shop_id = self.shop_id(order_id)
        if self.shop == "shopify":
            self.stack.shopify.complete(shop_id, "3SABCD1234567", None)
        else:
            self.stack.woocommerce.complete(shop_id, "3SABCD1234567")
        cycle(ctx)
        assert store.find("bolcom", "sandbox", order_id).status == OrderStatus.SHIPPED
        items = {i["offer"]["reference"]: i["orderItemId"]
                 for i in bol.stored_order(order_id)["orderItems"]}
        return order_id, items

    def shop_id(self, order_id: str) -> int:
        ref = f"bolcom:{order_id}"
        if self.shop == "shopify":
            found = [o["id"] for o in self.stack.shopify.orders_with_reference(ref)]
        else:
            found = [o["id"] for o in self.stack.woocommerce.store.orders.values()
                     if any(m.get("value") == ref for m in o.get("meta_data", []))]
        assert len(found) == 1
        return found[0]

    def stock(self, sku: str) -> int:
        if self.shop == "shopify":
            return self.stack.shopify.catalog.stock_of(sku)
        woo = self.stack.woocommerce.store
        return next(p["stock_quantity"] for p in woo.products.values() if p["sku"] == sku)

    def refunds(self, order_id: str) -> list[tuple[Decimal, int]]:
        """(money refunded, units restocked) per refund of the webshop order."""
        shop_id = self.shop_id(order_id)
        if self.shop == "shopify":
            refunds = self.stack.shopify.get(shop_id)["refunds"]
            return [(sum((Decimal(t["amount"]) for t in r["transactions"]), Decimal(0)),
                     sum(x["quantity"] for x in r["refund_line_items"]
                         if x["restock_type"] == "return")) for r in refunds]
        refunds = self.stack.woocommerce.refunds.refunds.get(shop_id, [])
        return [(Decimal(r["amount"]), -sum(x["quantity"] for x in r["line_items"]))
                for r in refunds]

    def notes(self, order_id: str) -> list[str]:
        shop_id = self.shop_id(order_id)
        if self.shop == "shopify":
            note = self.stack.shopify.get(shop_id).get("note") or ""
            return [line for line in note.splitlines() if "ordersync-return" in line]
        return [n["note"] for n in self.stack.woocommerce.store.notes.get(shop_id, [])
                if "ordersync-return" in n["note"]]

    def handlings(self, rma_id: str) -> list[str]:
        """Every handling bol.com received for the RMA (its process statuses)."""
        with self.stack.bolcom.state.lock:
            return [p.status for p in self.stack.bolcom.state.processes.values()
                    if p.event_type == "HANDLE_RETURN_ITEM" and p.entity_id == rma_id]


@pytest.fixture
def world(shop_stack):
    stack = shop_stack
    for twin in (stack.bolcom, stack.shopify, stack.woocommerce):
        twin.reset()
        twin.controls.clear()
    if stack.shop_platform == "shopify":
        stack.shopify.catalog.add_product("Mug", [{"sku": MUG, "quantity": 10,
                                                   "price": "12.50"}])
        stack.shopify.catalog.add_product("Plate", [{"sku": PLATE, "quantity": 10,
                                                     "price": "7.25"}])
    else:
        stack.woocommerce.add_product("Mug", MUG, "12.50", stock=10)
        stack.woocommerce.add_product("Plate", PLATE, "7.25", stock=10)
    return World(stack)


def kinds(store, order_id: str) -> list[str]:
    return [e["kind"] for e in store.events(store.find("bolcom", "sandbox", order_id).id)]


@pytest.mark.parametrize("mode", ["register", "restock", "refund"])
def test_a_returned_mug_is_registered_handled_and_shows_the_order_returned(world, store, mode):
    ctx = world.context(store, mode)
    order_id, items = world.sold_and_shipped(store, ctx)
    stock_before = world.stock(MUG)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[MUG],
                                                       "quantity": 1}])
    rma = ret["returnItems"][0]["rmaId"]

    counts = sync_returns(ctx).counts
    again = sync_returns(ctx).counts  # nothing is written twice

    assert counts["returns_imported"] == 1 and counts["returned"] == 1
    assert counts["return_registered"] == 1 and counts["return_handled"] == 1
    assert not {k for k in again if k.startswith(("return_", "handling_"))}
    record = store.find("bolcom", "sandbox", order_id)
    assert record.status == OrderStatus.RETURNED
    assert ReturnStore(store).returned_quantities(record.id) == {items[MUG]: 1}
    events = store.events(record.id)
    assert [e["kind"] for e in events][-4:] == ["return_imported", "returned",
                                                "return_registered", "return_handled"]
    assert "partially returned: 1 of 3 items returned" in events[-3]["message"]
    item = world.stack.bolcom.stored_return(ret["returnId"])["returnItems"][0]
    assert item["handled"] and item["processingResults"][0]["quantity"] == 1
    assert world.handlings(rma) == ["SUCCESS"]
    if mode == "register":
        assert len(world.notes(order_id)) == 1 and world.refunds(order_id) == []
        assert world.stock(MUG) == stock_before
    elif mode == "restock":
        assert world.refunds(order_id) == [(Decimal("0"), 1)]
        assert world.stock(MUG) == stock_before + 1
    else:
        assert world.refunds(order_id) == [(Decimal("12.50"), 1)]
        assert world.stock(MUG) == stock_before + 1


def test_the_rest_coming_back_makes_it_fully_returned(world, store):
    ctx = world.context(store, "refund")
    order_id, items = world.sold_and_shipped(store, ctx)
    world.stack.bolcom.create_return(order_id, [{"orderItemId": items[MUG], "quantity": 1}])
    sync_returns(ctx)
    world.stack.bolcom.create_return(order_id)  # the other mug and the plate
    counts = sync_returns(ctx).counts

    assert counts["returns_imported"] == 2 and counts["return_registered"] == 2
    record = store.find("bolcom", "sandbox", order_id)
    assert ReturnStore(store).returned_quantities(record.id) == {items[MUG]: 2, items[PLATE]: 1}
    assert sorted(world.refunds(order_id)) == [(Decimal("7.25"), 1), (Decimal("12.50"), 1),
                                                (Decimal("12.50"), 1)]
    assert record.status == OrderStatus.RETURNED


def test_a_return_of_an_unknown_order_is_kept_with_its_reason_and_written_nowhere(world, store):
    ctx = world.context(store, "refund")
    bol = world.stack.bolcom
    stranger = bol.place_order()  # sold and shipped outside the hub
    bol.stored_order(stranger)["orderItems"][0]["quantityShipped"] = 1
    # the hub's import only sees open orders: this one is shipped, so the hub never had it
    bol.create_return(stranger)

    counts = sync_returns(ctx).counts

    assert counts["returns_unknown_order"] == 1 and "return_registered" not in counts
    [row] = ReturnStore(store).returns()
    assert row["order"] == stranger and row["problem"].startswith("unknown_order")
    assert row["webshop"] == "pending" and row["marketplace"] == "pending"
    assert world.handlings(row["rma_id"]) == []


def after_lease(world, store, ctx, mode):
    return world.context(store, mode, clock=lambda: ctx.clock() + ctx.settings.lease
                         + timedelta(seconds=1))


def test_crash_between_webshop_refund_and_commit_refunds_once(world, store, monkeypatch):
    ctx = world.context(store, "refund")
    order_id, items = world.sold_and_shipped(store, ctx)
    world.stack.bolcom.create_return(order_id, [{"orderItemId": items[MUG], "quantity": 1}])
    original = ReturnStore.registered

    def die(self, *args, **kwargs):
        monkeypatch.setattr(ReturnStore, "registered", original)
        raise Crash("registered")

    monkeypatch.setattr(ReturnStore, "registered", die)
    with pytest.raises(Crash):
        sync_returns(ctx)
    assert len(world.refunds(order_id)) == 1  # the webshop has it; the hub does not know
    assert "return_registered" not in sync_returns(world.context(store, "refund")).counts

    counts = sync_returns(after_lease(world, store, ctx, "refund")).counts

    assert counts.get("return_reconciled") == 1 and "return_registered" not in counts
    assert counts.get("return_handled") == 1
    assert world.refunds(order_id) == [(Decimal("12.50"), 1)]


def test_crash_between_bolcom_handling_and_commit_handles_once(world, store, monkeypatch):
    ctx = world.context(store, "restock")
    order_id, items = world.sold_and_shipped(store, ctx)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[PLATE]}])
    rma = ret["returnItems"][0]["rmaId"]
    original = ReturnStore.accepted

    def die(self, *args, **kwargs):
        monkeypatch.setattr(ReturnStore, "accepted", original)
        raise Crash("accepted")

    monkeypatch.setattr(ReturnStore, "accepted", die)
    with pytest.raises(Crash):
        sync_returns(ctx)
    assert len(world.handlings(rma)) == 1

    counts = sync_returns(after_lease(world, store, ctx, "restock")).counts

    assert counts.get("handling_reconciled") == 1 and "handling_sent" not in counts
    assert world.handlings(rma) == ["SUCCESS"]
    assert [r["marketplace"] for r in ReturnStore(store).returns()] == ["done"]
    assert kinds(store, order_id)[-1] == "return_handled"


def test_lost_refund_answer_is_looked_up_not_repeated(world, store):
    ctx = world.context(store, "refund")
    order_id, items = world.sold_and_shipped(store, ctx)
    world.stack.bolcom.create_return(order_id, [{"orderItemId": items[MUG], "quantity": 2}])
    path = r"/orders/\d+/refunds(\.json)?$"
    twin = getattr(world.stack, world.shop)
    twin.controls.faults.append(Fault(method="POST", path=re.compile(path), status=503,
                                      after_handling=True))

    first = sync_returns(ctx).counts
    second = sync_returns(ctx).counts

    assert first.get("return_deferred") == 1 and "return_handled" not in first
    assert second.get("return_reconciled") == 1 and second.get("return_handled") == 1
    assert world.refunds(order_id) == [(Decimal("25.00"), 2)]


def test_handling_refused_by_bolcom_is_recorded_for_the_merchant(world, store):
    ctx = world.context(store, "register")
    order_id, items = world.sold_and_shipped(store, ctx)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[PLATE]}])
    returns = ReturnStore(store)
    import_returns(ctx, returns, StepResult())
    register_returns(ctx, returns, StepResult())
    # bol.com now expects nothing back for this RMA: the hub's handling of 1 fails there
    world.stack.bolcom.rmas.item(ret["returnItems"][0]["rmaId"])["expectedQuantity"] = 0

    counts = sync_returns(ctx).counts

    assert counts.get("handling_failed") == 1
    assert kinds(store, order_id)[-1] == "return_failed"
    assert [r["marketplace"] for r in returns.returns()] == ["failed"]


def test_a_return_handled_in_the_bolcom_portal_meanwhile_counts_as_handled(world, store):
    ctx = world.context(store, "register")
    order_id, items = world.sold_and_shipped(store, ctx)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[PLATE]}])
    returns = ReturnStore(store)
    import_returns(ctx, returns, StepResult())
    register_returns(ctx, returns, StepResult())
    world.stack.bolcom.rmas.item(ret["returnItems"][0]["rmaId"])["handled"] = True

    counts = sync_returns(ctx).counts

    assert counts.get("return_handled") == 1
    assert [r["marketplace"] for r in returns.returns()] == ["done"]


def test_a_malformed_return_item_is_quarantined_with_its_reason(world, store):
    ctx = world.context(store, "register")
    order_id, items = world.sold_and_shipped(store, ctx)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[PLATE]}])
    world.stack.bolcom.rmas.item(ret["returnItems"][0]["rmaId"])["expectedQuantity"] = 0

    counts = sync_returns(ctx).counts
    sync_returns(ctx)

    assert counts == {"returns_imported": 0, "returns_unknown_order": 0,
                      "returns_quarantined": 1}
    [row] = ReturnStore(store).returns()
    assert row["problem"].startswith("validation:") and "expectedQuantity" in row["problem"]
    assert world.notes(order_id) == [] and world.handlings(row["rma_id"]) == []


def test_a_return_before_the_hub_confirmed_the_shipment_marks_the_order_later(world, store):
    from sqlalchemy import update

    from ordersync.store.tables import OrderRow

    ctx = world.context(store, "register")
    order_id, items = world.sold_and_shipped(store, ctx)
    record = store.find("bolcom", "sandbox", order_id)
    with store.session() as s:  # as if the shipment's process status was still pending
        s.execute(update(OrderRow).where(OrderRow.id == record.id)
                  .values(marketplace_confirmed_at=None))
    world.stack.bolcom.create_return(order_id)

    sync_returns(ctx)
    assert store.find("bolcom", "sandbox", order_id).status == OrderStatus.SHIPPED
    assert "return_status" in kinds(store, order_id)
    with store.session() as s:
        s.execute(update(OrderRow).where(OrderRow.id == record.id)
                  .values(marketplace_confirmed_at=record.marketplace_confirmed_at))
    counts = sync_returns(ctx).counts

    assert counts.get("returned") == 1
    assert store.find("bolcom", "sandbox", order_id).status == OrderStatus.RETURNED
    assert kinds(store, order_id).count("return_status") == 1


def test_a_quarantined_return_item_is_imported_once_it_reads_well(world, store):
    ctx = world.context(store, "register")
    order_id, items = world.sold_and_shipped(store, ctx)
    ret = world.stack.bolcom.create_return(order_id, [{"orderItemId": items[PLATE]}])
    item = world.stack.bolcom.rmas.item(ret["returnItems"][0]["rmaId"])
    item["expectedQuantity"] = 0
    assert sync_returns(ctx).counts["returns_quarantined"] == 1
    item["expectedQuantity"] = 1  # bol.com corrected it

    counts = sync_returns(ctx).counts
    later = [sync_returns(ctx).counts for _ in range(2)]  # imported once, written once

    assert counts["returns_imported"] == 1 and counts["return_handled"] == 1
    assert all(c == {"returns_imported": 0, "returns_unknown_order": 0,
                     "returns_quarantined": 0} for c in later), later
    assert len(world.notes(order_id)) == 1
    [row] = ReturnStore(store).returns()
    assert row["problem"] is None and row["webshop"] == "done" and row["marketplace"] == "done"
    assert store.find("bolcom", "sandbox", order_id).status == OrderStatus.RETURNED


def test_amazon_has_no_returns_step():
    from ordersync.connectors.amazon import AmazonConnector
    from ordersync.connectors.returns import ReturnSource

    amazon = AmazonConnector(client_id="c", client_secret="s", refresh_token="r",
                             seller_id="S", marketplace_id="M", account="a",
                             rate_limits=False)
    assert not isinstance(amazon, ReturnSource)
    amazon.close()


def test_returns_command_lists_each_returned_item(world, tmp_path, monkeypatch, capsys):
    from ordersync.cli import main
    from ordersync.store import Store

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", url)
    store = Store(url)
    ctx = world.context(store, "restock")
    order_id, items = world.sold_and_shipped(store, ctx)
    world.stack.bolcom.create_return(order_id, [{"orderItemId": items[MUG], "quantity": 1}])
    sync_returns(ctx)

    assert main(["returns", order_id]) == 0
    out = capsys.readouterr().out
    assert items[MUG] in out and "done (restock)" in out and "Niet naar verwachting" in out
    store.dispose()
