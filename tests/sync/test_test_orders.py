"""Test orders end to end over the served twins, bol.com and Amazon connections into Shopify
and WooCommerce: placed by the hub, created in the webshop as the platform's test kind (or
clearly marked where it has none), completion detected as usual, the push to the marketplace
skipped and recorded, then deleted in the webshop; exactly once per run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordersync.order_loop.test_orders import (
    cleanup_test_orders,
    loop_once,
    run_test_order,
    skus_in_stock,
)
from ordersync.orders import OrderStatus
from ordersync.sandbox.stack import SandboxStack
from ordersync.store.test_orders import TestOrderStore
from tests.sync.test_order_loop import cycle

SKUS = ("MUG-350", "PLATE-22")
POSTNL = "3SABCD1234567"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module", params=["shopify", "woocommerce"])
def shop_stack(request):
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform=request.param) as stack:
        yield stack


@pytest.fixture(params=["bolcom", "amazon"])
def world(request, shop_stack):
    stack = shop_stack
    for twin in (stack.bolcom, stack.amazon, stack.shopify, stack.woocommerce):
        twin.reset()
        twin.controls.clear()
    for sku in SKUS:
        if stack.shop_platform == "woocommerce":
            stack.woocommerce.add_product(sku.title(), sku, stock=10)
        else:
            stack.shopify.catalog.add_product(sku.title(), [{"sku": sku, "quantity": 10}])
    return stack, request.param


def shop_orders(stack, reference: str) -> list[dict]:
    if stack.shop_platform == "shopify":
        return stack.shopify.orders_with_reference(reference)
    return [o for o in stack.woocommerce.store.orders.values()
            if any(m.get("value") == reference for m in o.get("meta_data", []))]


def complete_in_shop(stack, captured: list[dict]):
    """The sandbox merchant: checks what the webshop holds, then ships it with a code."""
    def complete(shop_id: str) -> None:
        if stack.shop_platform == "shopify":
            captured.append(dict(stack.shopify.store.order(int(shop_id))))
            stack.shopify.complete(int(shop_id), POSTNL, None)
        else:
            captured.append(dict(stack.woocommerce.store.order(int(shop_id))))
            stack.woocommerce.complete(int(shop_id), POSTNL)
    return complete


def marketplace_writes(stack, marketplace: str) -> dict[str, int]:
    twin = getattr(stack, marketplace)
    return {path: n for path, n in twin.controls.requests.items()
            if path.split(" ")[0] in WRITES and "token" not in path}  # logins are no writes


def test_a_test_order_runs_the_whole_loop_and_never_reaches_the_marketplace(world, store):
    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)
    captured: list[dict] = []
    stock_before = ctx.webshop.read_stock().quantities

    run = run_test_order(ctx, [(SKUS[0], 2), (SKUS[1], 1)], wait=True,
                         complete=complete_in_shop(stack, captured), poll=0.01,
                         timeout=timedelta(seconds=20))

    assert run.message.startswith("done"), run.message
    assert run.external_id.startswith("TEST-") and run.cleaned_up
    # created in the webshop as its test kind (Shopify) or clearly marked (WooCommerce)
    (created,) = captured
    if stack.shop_platform == "shopify":
        assert created["test"] is True and "test" in created["tags"].split(", ")
    else:
        meta = {m["key"]: m["value"] for m in created["meta_data"]}
        assert meta["_ordersync_test_order"] == "yes" and created["status"] == "pending"
        assert "TEST ORDER" in created["customer_note"]
    # completion detected as usual; push skipped and recorded; deleted in the webshop
    record = store.get(run.order_id)
    assert record.test and record.status == OrderStatus.SHIPPED and record.carrier == "postnl"
    messages = [e["message"] for e in store.events(record.id)]
    assert f"test order: shipment not sent to {marketplace}" in messages
    assert any(m.startswith(f"test order: deleted in {stack.shop_platform}") for m in messages)
    assert shop_orders(stack, f"{marketplace}:{run.external_id}") == []
    assert marketplace_writes(stack, marketplace) == {}  # nothing ever sent to a buyer
    assert store.write_states("cleanup_test_order") == {"done": 1}
    assert ctx.webshop.read_stock().quantities == stock_before  # no stock taken for good


def test_twice_makes_two_test_orders_each_exactly_once(world, store):
    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)
    first = run_test_order(ctx, [(SKUS[0], 1)])  # no --wait: created, merchant to complete
    second = run_test_order(ctx, [(SKUS[0], 1)])

    assert first.external_id != second.external_id
    assert "complete order" in first.message and first.status == "not_shipped"
    for run in (first, second):
        assert len(shop_orders(stack, f"{marketplace}:{run.external_id}")) == 1
    cycle(ctx)  # the regular loop creates nothing again and sends nothing for them
    for run in (first, second):
        assert len(shop_orders(stack, f"{marketplace}:{run.external_id}")) == 1
    assert store.write_states("create_in_webshop") == {"done": 2}

    # the merchant completes one in the webshop; the regular loop finishes it
    complete_in_shop(stack, [])(first.webshop_id)
    cycle(ctx)
    cleanup_test_orders(ctx)
    assert shop_orders(stack, f"{marketplace}:{first.external_id}") == []
    assert len(shop_orders(stack, f"{marketplace}:{second.external_id}")) == 1
    assert cleanup_test_orders(ctx).counts == {}  # nothing cleaned twice
    assert marketplace_writes(stack, marketplace) == {}
    # never counted as marketplace orders
    assert store.count_by_status() == {}
    assert TestOrderStore(store).count() == {"shipped": 1, "not_shipped": 1}


def test_a_cancelled_test_order_is_not_sent_and_is_deleted(world, store):
    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)
    run = run_test_order(ctx, [(SKUS[1], 1)])
    if stack.shop_platform == "shopify":
        stack.shopify.cancel(int(run.webshop_id))
    else:
        stack.woocommerce.store.update_order(int(run.webshop_id), {"status": "cancelled"})

    loop_once(ctx, run.order_id)

    record = store.get(run.order_id)
    assert record.status == OrderStatus.CANCELLED
    messages = [e["message"] for e in store.events(record.id)]
    assert f"test order: cancellation not sent to {marketplace}" in messages
    assert shop_orders(stack, f"{marketplace}:{run.external_id}") == []
    assert marketplace_writes(stack, marketplace) == {}


def test_the_skus_come_from_the_webshop_stock_when_not_given(shop_stack):
    stack = shop_stack
    for twin in (stack.shopify, stack.woocommerce):
        twin.reset()
    with pytest.raises(ValueError, match="--sku"):
        skus_in_stock(stack.webshop(), 1)
    if stack.shop_platform == "shopify":
        stack.shopify.catalog.add_product("Empty", [{"sku": "AAA-0", "quantity": 0}])
        stack.shopify.catalog.add_product("Mug", [{"sku": "MUG-9", "quantity": 3}])
    else:
        stack.woocommerce.add_product("Empty", "AAA-0", stock=0)
        stack.woocommerce.add_product("Mug", "MUG-9", stock=3)
    assert skus_in_stock(stack.webshop(), 2) == ["MUG-9"]  # in stock only


def test_cli_places_a_test_order_and_waits_for_the_merchant(world, store, monkeypatch, capsys):
    import contextlib
    import json

    from ordersync.cli import main
    from ordersync.flows import runtime

    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)

    @contextlib.contextmanager
    def open_context(name):
        assert name == "my-connection"
        yield ctx

    monkeypatch.setattr(runtime, "open_context", open_context)
    assert main(["test-order", "--connection", "my-connection", "--sku", SKUS[0],
                 "--quantity", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["test_order"].startswith("TEST-") and out["status"] == "not_shipped"
    assert [q for q in _quantities(stack, marketplace, out["test_order"])] == [2]
    # --wait with nobody completing it: times out, says what the merchant must do, exit 1
    assert main(["test-order", "--connection", "my-connection", "--sku", SKUS[1], "--wait",
                 "--timeout", "0", "--poll", "0"]) == 1
    captured = capsys.readouterr()
    assert "complete order" in captured.err and json.loads(captured.out)["webshop_id"]
    assert main(["test-order", "--connection", "my-connection", "--quantity", "0"]) == 2
    capsys.readouterr()
    monkeypatch.setattr(runtime, "store_for", lambda url=None: store)
    assert main(["orders"]) == 0
    overview = capsys.readouterr().out
    assert "not_shipped: 0" in overview  # test orders are no marketplace orders
    assert "test orders (not counted above): not_shipped 2" in overview


def _quantities(stack, marketplace, external_id):
    (order,) = shop_orders(stack, f"{marketplace}:{external_id}")
    return [li["quantity"] for li in order["line_items"]]


def test_the_demo_check_counts_test_orders_and_fails_an_unfinished_one(world, store):
    from ordersync.demo_test_orders import check_test_orders

    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)
    done = run_test_order(ctx, [(SKUS[0], 1)], wait=True, poll=0.01,
                          complete=complete_in_shop(stack, []), timeout=timedelta(seconds=20))
    assert done.cleaned_up
    verdict = check_test_orders(store, [], expected=1)
    assert verdict.findings == []
    assert verdict.figures["test_orders"] == {"placed": 1, "cleaned": 1,
                                              "marketplace_orders": 0}

    run_test_order(ctx, [(SKUS[0], 1)])  # never completed: still in the shop
    verdict = check_test_orders(store, [], expected=3)
    assert {f.kind for f in verdict.findings} == {"test_order_not_skipped",
                                                 "test_order_not_cleaned",
                                                 "test_order_missing"}


def test_deleting_in_the_webshop_is_safe_to_repeat(world, store):
    stack, marketplace = world
    ctx = stack.context(store, marketplace=marketplace)
    run = run_test_order(ctx, [(SKUS[0], 1)])
    ctx.webshop.delete_order(run.webshop_id)
    ctx.webshop.delete_order(run.webshop_id)  # gone already: counts as deleted
    assert shop_orders(stack, f"{marketplace}:{run.external_id}") == []


def test_the_shopify_twin_refuses_to_delete_an_order_paid_online(shop_stack):
    import httpx

    if shop_stack.shop_platform != "shopify":
        pytest.skip("Shopify's rule")
    twin = shop_stack.shopify
    twin.reset()
    twin.catalog.add_product("Mug", [{"sku": "MUG-1", "quantity": 5}])
    paid = twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}])  # shopify_payments
    response = httpx.delete(f"{shop_stack.shopify_url}/admin/api/2025-01/orders/{paid['id']}.json",
                            headers={"X-Shopify-Access-Token": "shpat_sandbox"})
    assert response.status_code == 422 and "gateway" in response.text
    assert paid["id"] in twin.store.orders


def test_the_woocommerce_twin_trashes_without_force(shop_stack):
    if shop_stack.shop_platform != "woocommerce":
        pytest.skip("WooCommerce's rule")
    woo = shop_stack.woocommerce
    woo.reset()
    product = woo.add_product("Mug", "MUG-1")
    order = woo.store.create_order({"line_items": [{"product_id": product["id"],
                                                    "quantity": 1}]})
    assert woo.store.delete_order(order["id"], force=False)["status"] == "trash"
    assert woo.store.orders[order["id"]]["status"] == "trash"
    woo.store.delete_order(order["id"], force=True)
    assert order["id"] not in woo.store.orders
