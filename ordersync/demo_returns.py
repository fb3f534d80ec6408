"""Returns in the demo: bol.com buyers send back some orders the merchant shipped (a whole
order, or one unit of it), and the check verifies them on the platforms themselves: each
returned item handled on bol.com exactly once, registered in the shop's order exactly once
(the demo's bol.com connection refunds with restock), and the hub's order ``returned``."""

from __future__ import annotations

from datetime import UTC, datetime

from ordersync.connectors.returns import ReturnRegistrar
from ordersync.demo_check import HubOrder, Limits, Verdict, _due
from ordersync.demo_traffic import Ledger, Traffic
from ordersync.orders.returns import return_key
from ordersync.sandbox.stack import SandboxStack

RETURN_SCRIPT = ("all", "keep", "one", "keep", "keep")  # scripted buyers, shipped order by order


def buyer_returns(traffic: Traffic) -> None:
    """Buyers decide on each bol.com order that bol.com shows shipped: return all of it, one
    unit, or keep it (scripted: in turn; else about one in five returns something)."""
    if not returns_registered(traffic.sandbox):
        return
    bol = traffic.sandbox.bolcom
    with bol.state.lock:
        bol.state.settle(None)
        shipped = [oid for oid, order in bol.state.orders.items()
                   if oid not in traffic.ledger.returns
                   and ("bolcom", oid) not in traffic.ledger.planted
                   and any(isinstance(i, dict) and (i.get("quantityShipped") or 0) > 0
                           for i in order.get("orderItems") or [])]
    for order_id in shipped:
        choice = (traffic._turn("returns", RETURN_SCRIPT) if traffic.scripted
                  else traffic.rng.choice(("all", "one") + ("keep",) * 8))
        if choice == "keep":
            traffic.ledger.returns[order_id] = None
            continue
        items = None
        if choice == "one":
            first = next(i for i in bol.stored_order(order_id)["orderItems"]
                         if (i.get("quantityShipped") or 0) > 0)
            items = [{"orderItemId": first["orderItemId"], "quantity": 1}]
        ret = bol.create_return(order_id, items)
        traffic.ledger.returns[order_id] = (ret["returnId"], datetime.now(UTC))
        traffic.say(f"buyer returned {'one unit of ' if items else ''}bol.com order "
                    f"{order_id} (return {ret['returnId']})")


def check_returns(sandbox: SandboxStack, ledger: Ledger, hub: list[HubOrder], limits: Limits,
                  now: datetime) -> Verdict:
    """Each return handled once on bol.com, registered once in the shop, its order returned
    in the hub - each within ``grace`` of the return."""
    verdict = Verdict()
    if not returns_registered(sandbox):
        return verdict
    statuses = {h.external_id: h.status for h in hub if h.platform == "bolcom"}
    items = 0
    for order_id, made in ledger.returns.items():
        if made is None:
            continue
        return_id, at = made
        deadline, subject = at + limits.grace, f"bol.com return {return_id} ({order_id})"
        ret = sandbox.bolcom.stored_return(return_id)
        shop = sandbox.merchant.orders_for(f"bolcom:{order_id}")
        for item in ret["returnItems"]:
            items += 1
            rma = item["rmaId"]
            handlings = _handlings(sandbox, rma)
            if len(handlings) > 1:
                verdict.fail("return_handled_twice", subject, f"RMA {rma}: {handlings}")
            elif not item["handled"]:
                _due(verdict, now, deadline, "return_not_handled", subject,
                     f"RMA {rma} not handled on bol.com")
            writes = sum(sandbox.merchant.marks(shop_id, return_key("bolcom", rma))
                         for shop_id in shop)
            if writes > 1:
                verdict.fail("return_registered_twice", subject,
                             f"RMA {rma} written {writes} times in the shop")
            elif writes == 0:
                _due(verdict, now, deadline, "return_not_in_shop", subject,
                     f"RMA {rma} not registered in the shop")
        if statuses.get(order_id) != "returned":
            _due(verdict, now, deadline, "hub_not_returned", subject,
                 f"the hub's order is {statuses.get(order_id)}")
    returned = sum(1 for made in ledger.returns.values() if made)
    verdict.figures["returns"] = {"orders": returned, "items": items}
    return verdict


def check_return_coverage(sandbox: SandboxStack, ledger: Ledger) -> Verdict:
    """The traffic produced at least one bol.com return (with a shop that registers them)."""
    verdict = Verdict()
    if returns_registered(sandbox) and not any(ledger.returns.values()):
        verdict.fail("not_exercised", "bolcom return", "the traffic never produced a return")
    return verdict


def _handlings(sandbox: SandboxStack, rma: str) -> list[str]:
    with sandbox.bolcom.state.lock:
        return [p.status for p in sandbox.bolcom.state.processes.values()
                if p.event_type == "HANDLE_RETURN_ITEM" and p.entity_id == rma]


_REGISTERS: dict[str, bool] = {}


def returns_registered(sandbox: SandboxStack) -> bool:
    """Whether the demo's shop registers returns (its connector is a ReturnRegistrar); the
    demo's returns (traffic and checks) only run with such a shop."""
    platform = sandbox.shop_platform
    if platform not in _REGISTERS:
        shop = sandbox.webshop()
        _REGISTERS[platform] = isinstance(shop, ReturnRegistrar)
        shop.close()
    return _REGISTERS[platform]
