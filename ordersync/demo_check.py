"""The demo's check mode: verdicts on what the sandbox platforms hold (the truth, read from the
twins' in-process state, never from the hub's tables), on the hub's order statuses, on the
Prefect flow runs and on the server and worker logs.

Every expectation has a deadline (``Limits``): an order placed on a marketplace must be in the
shop ``grace`` later, a shipment completed in the shop confirmed on the marketplace ``grace``
later (``tracking_wait + grace`` without a code). An expectation not met yet whose deadline
has not passed is *open*; the demo drains until nothing is open, then judges.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ordersync.carriers.marketplace_codes import marketplace_carrier
from ordersync.connectors.bolcom.limits import RATE_LIMITS
from ordersync.demo_traffic import Ledger
from ordersync.sandbox.shop_facts import MerchantFacts
from ordersync.sandbox.stack import SandboxStack

# The canonical carrier behind each demo code generator (ordersync.sandbox.tracking_codes).
GENERATOR_CARRIERS = {"postnl": "postnl", "postnl_s10": "postnl",
                      "deutsche_post": "deutsche_post", "ups": "ups"}
SHIP_TO = "NL"  # every demo buyer lives in the Netherlands
FINAL_FLOW_STATES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
BOLCOM_DETAIL_WINDOW = RATE_LIMITS["order-detail"][1]  # seconds of bol.com's detail budget


@dataclass(frozen=True)
class Limits:
    """Deadlines: ``grace`` for one hop through the hub, plus ``tracking_wait`` for orders
    completed without a code."""

    grace: timedelta
    tracking_wait: timedelta

    @classmethod
    def for_demo(cls, interval: float, tracking_wait_minutes: float) -> Limits:
        """A few sync intervals, at least 90 s (a flow run starts a process on a busy box),
        plus a minute of bol.com's order-detail budget (8 reads a minute: a burst of demo
        orders makes a run wait for it, and the schedule's next runs are cancelled meanwhile;
        a CI run once missed an order by that)."""
        return cls(timedelta(seconds=max(5 * interval, 90) + BOLCOM_DETAIL_WINDOW),
                   timedelta(minutes=tracking_wait_minutes))


@dataclass(frozen=True)
class Finding:
    kind: str  # missing_in_shop, created_twice, ..., flow_run, log_error, not_exercised
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.detail}"


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    open: list[str] = field(default_factory=list)  # expectations whose deadline is ahead
    figures: dict[str, Any] = field(default_factory=dict)

    def fail(self, kind: str, subject: str, detail: str) -> None:
        self.findings.append(Finding(kind, subject, detail))

    def merge(self, other: Verdict) -> Verdict:
        self.findings += other.findings
        self.open += other.open
        self.figures.update(other.figures)
        return self


# -- the truth, read from the twins ------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """One order line the marketplace took as shipped."""

    item_id: str
    quantity: int
    carrier_code: str | None
    tracking: str | None


@dataclass
class MarketOrder:
    platform: str
    order_id: str
    due_since: datetime | None  # when the shop should start to have it; None: never
    items: dict[str, int]  # item id -> quantity ordered
    cancelled: dict[str, int] = field(default_factory=dict)  # item id -> quantity cancelled
    confirmations: list[Confirmation] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # shipments the marketplace refused
    planted: str | None = None  # bad input the traffic planted: what is wrong with it
    placed: datetime | None = None
    buyer_cancelled: datetime | None = None  # the buyer cancelled on the marketplace

    @property
    def reference(self) -> str:
        return f"{self.platform}:{self.order_id}"


@dataclass(frozen=True)
class ShopOrder:
    """An order the hub created in the shop, and what the merchant did with it."""

    id: str
    reference: str
    created: datetime
    cancelled: datetime | None
    fulfilled: datetime | None
    tracking: str | None
    carrier: str | None  # the demo generator of the code (Ledger.carriers)
    codes: tuple[str, ...] = ()  # every fulfillment's codes (parcels)
    shipped: dict[str, int] = field(default_factory=dict)  # marketplace item -> units shipped
    parcels_of: dict[str, int] = field(default_factory=dict)  # item -> fulfillments holding it
    uncoded: bool = False  # a fulfillment without a code
    partial: bool = False  # some lines still to ship


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):  # planted bad input: not a moment at all
        return None


def read_bolcom(sandbox: SandboxStack, ledger: Ledger) -> list[MarketOrder]:
    state = sandbox.bolcom.state
    out = []
    with state.lock:
        state.settle(None)  # what any read of bol.com does: its queue does not wait
        refused: dict[str, list[str]] = {}
        for process in state.processes.values():
            if process.event_type == "CREATE_SHIPMENT" and process.status == "FAILURE":
                for key in process.keys:
                    refused.setdefault(key.removeprefix("order:"), []).append(
                        process.error or "")
        for order_id, raw in state.orders.items():
            items = [i for i in raw.get("orderItems") or [] if isinstance(i, dict)]
            planted = ledger.planted.get(("bolcom", order_id))
            out.append(MarketOrder(
                "bolcom", order_id,
                None if planted else _moment(raw.get("orderPlacedDateTime")),
                {str(i.get("orderItemId")): int(i.get("quantity") or 0) for i in items},
                {str(i.get("orderItemId")): int(i.get("quantityCancelled") or 0)
                 for i in items},
                [Confirmation(str(r["orderItemId"]), r["quantity"], r["transporterCode"],
                              r["trackAndTrace"]) for r in state.shipments.get(order_id, [])],
                refused.get(order_id, []), planted, _moment(raw.get("orderPlacedDateTime")),
                ledger.buyer_cancelled.get(f"bolcom:{order_id}")))
    return out


def read_amazon(sandbox: SandboxStack, ledger: Ledger) -> list[MarketOrder]:
    state = sandbox.amazon.state
    out = []
    with state.lock:
        for record in state.orders.values():
            planted = ledger.planted.get(("amazon", record.order_id))
            cancelled_by_buyer = ledger.buyer_cancelled.get(f"amazon:{record.order_id}")
            paid = (record.status not in ("Pending", "Canceled") or cancelled_by_buyer) \
                and not planted
            due = ledger.paid_at.get(record.order_id, record.purchased) if paid else None
            out.append(MarketOrder(
                "amazon", record.order_id, due and due.astimezone(UTC),
                {i["OrderItemId"]: i["QuantityOrdered"] for i in record.items},
                {i["OrderItemId"]: i["QuantityOrdered"] if record.status == "Canceled" else 0
                 for i in record.items},
                confirmations=[Confirmation(r["orderItemId"], r["quantity"], r["carrierCode"],
                                            r["trackingNumber"]) for r in record.shipments],
                planted=planted, placed=record.purchased.astimezone(UTC),
                buyer_cancelled=cancelled_by_buyer))
    return out


def read_shop(sandbox: SandboxStack, ledger: Ledger) -> list[ShopOrder]:
    """The orders the hub created in the shop for the marketplace orders the twins hold,
    read through the shop's merchant (``ShopMerchant`` + ``MerchantFacts``)."""
    merchant = sandbox.merchant
    if not isinstance(merchant, MerchantFacts):
        raise TypeError(f"the {sandbox.shop_platform} merchant cannot tell the demo's check "
                        "what happened to an order (it is not a MerchantFacts)")
    with sandbox.bolcom.state.lock:
        references = [f"bolcom:{i}" for i in sandbox.bolcom.state.orders]
    with sandbox.amazon.state.lock:
        references += [f"amazon:{i}" for i in sandbox.amazon.state.orders]
    out = []
    for reference in references:
        for shop_id in merchant.orders_for(reference):
            facts = merchant.facts(shop_id)
            out.append(ShopOrder(shop_id, reference, facts.created, facts.cancelled,
                                 facts.fulfilled, facts.tracking, ledger.carriers.get(shop_id),
                                 facts.codes, facts.shipped, facts.parcels_of, facts.uncoded,
                                 facts.partial))
    return out


# -- verdicts on the platforms -----------------------------------------------------------


def check_platforms(markets: Iterable[MarketOrder], shop: Iterable[ShopOrder],
                    limits: Limits, now: datetime) -> Verdict:
    """Every due marketplace order in the shop exactly once; every shipment done in the shop
    confirmed once, with the carrier code the marketplace expects; cancellations through."""
    verdict = Verdict()
    in_shop: dict[str, list[ShopOrder]] = {}
    for order in shop:
        in_shop.setdefault(order.reference, []).append(order)
    for market in markets:
        copies = in_shop.get(market.reference, [])
        subject = f"{market.platform} order {market.order_id}"
        if len(copies) > 1:
            verdict.fail("created_twice", subject,
                         f"{len(copies)} orders in the shop: {sorted(c.id for c in copies)}")
        if market.due_since is None:
            if copies:
                kind = "bad_input_in_shop" if market.planted else "unpaid_in_shop"
                verdict.fail(kind, subject, f"in the shop as {copies[0].id} although "
                             f"{market.planted or 'it is not paid'}")
            continue
        if not copies:
            _due(verdict, now, market.due_since + limits.grace, "missing_in_shop", subject,
                 f"placed {market.due_since:%H:%M:%S}, not in the shop")
            continue
        _check_fulfilment(verdict, market, copies[0], limits, now)
    return verdict


def _due(verdict: Verdict, now: datetime, deadline: datetime, kind: str, subject: str,
         detail: str) -> None:
    """A failure once ``deadline`` has passed, an open expectation until then."""
    if now >= deadline:
        verdict.fail(kind, subject, f"{detail} by {deadline:%H:%M:%S}")
    else:
        verdict.open.append(f"{kind}: {subject} (until {deadline:%H:%M:%S})")


def _check_fulfilment(verdict: Verdict, market: MarketOrder, shop: ShopOrder, limits: Limits,
                      now: datetime) -> None:
    subject = f"{market.platform} order {market.order_id} (shop order {shop.id})"
    shipped = Counter()
    for row in market.confirmations:
        shipped[row.item_id] += row.quantity
    rows = Counter(row.item_id for row in market.confirmations)
    twice = [i for i in market.items
             if rows[i] > max(1, shop.parcels_of.get(i, 0)) or shipped[i] > market.items[i]]
    refused_again = [e for e in market.refused if "exceeds the open quantity" in e]
    if twice or refused_again:
        verdict.fail("confirmed_twice", subject,
                     f"items {twice} confirmed more than once" if twice
                     else f"bol.com refused a repeated shipment: {refused_again[0]}")
    if (market.buyer_cancelled is not None and shop.cancelled is None
            and not market.confirmations and shop.fulfilled is None):
        _due(verdict, now, market.buyer_cancelled + limits.grace, "buyer_cancel_not_in_shop",
             subject, f"the buyer cancelled at {market.buyer_cancelled:%H:%M:%S}, still open "
                      f"in the shop")
        return
    if shop.cancelled is not None:
        if market.confirmations:
            verdict.fail("shipped_but_cancelled", subject, "cancelled in the shop, yet the "
                         "marketplace has a shipment")
        elif market.platform == "bolcom" and any(
                market.cancelled.get(i, 0) < q for i, q in market.items.items()):
            _due(verdict, now, shop.cancelled + limits.grace, "never_cancelled", subject,
                 "cancelled in the shop, still open on bol.com")
        return
    if shop.fulfilled is None:
        return
    want = shop.shipped or market.items  # what the shop's parcels hold (all: no line data)
    ahead = [i for i in market.items if shop.shipped and shipped[i] > want.get(i, 0)]
    if ahead:
        verdict.fail("confirmed_unshipped", subject,
                     f"items {ahead} confirmed beyond what the shop's parcels hold")
    if not market.confirmations or any(shipped[i] < q for i, q in want.items()):
        wait = timedelta(0) if shop.tracking and not shop.uncoded else limits.tracking_wait
        refused = f" (refused: {market.refused[-1]})" if market.refused else ""
        _due(verdict, now, shop.fulfilled + wait + limits.grace, "never_confirmed", subject,
             f"shipped in the shop at {shop.fulfilled:%H:%M:%S} "
             f"{'with ' + shop.tracking if shop.tracking else 'without track & trace'}, "
             f"not confirmed{refused}")
    if shop.tracking and market.confirmations:
        _check_carrier(verdict, market, shop, subject)


def _check_carrier(verdict: Verdict, market: MarketOrder, shop: ShopOrder,
                   subject: str) -> None:
    expected = None
    if shop.carrier in GENERATOR_CARRIERS:
        expected = marketplace_carrier(GENERATOR_CARRIERS[shop.carrier], market.platform,
                                       ship_to=SHIP_TO).code
    for row in market.confirmations:
        if row.tracking not in (shop.codes or (shop.tracking,)):
            verdict.fail("wrong_tracking", subject,
                         f"marketplace has {row.tracking!r}, the merchant used {shop.tracking}")
        elif expected and row.carrier_code != expected:
            verdict.fail("wrong_carrier", subject,
                         f"{shop.tracking} ({shop.carrier}) confirmed as {row.carrier_code!r}, "
                         f"{market.platform} expects {expected!r}")
        else:
            continue
        return


# -- verdicts on the hub's statuses ------------------------------------------------------


@dataclass(frozen=True)
class HubOrder:
    platform: str
    external_id: str
    status: str
    error_reason: str | None
    waiting_since: datetime | None
    updated_at: datetime


def read_hub(store: Any) -> list[HubOrder]:
    """The hub's orders (``store`` is an ``ordersync.store.Store``)."""
    return [HubOrder(r.platform, r.external_id, str(r.status), r.error_reason,
                     r.waiting_since and r.waiting_since.astimezone(UTC),
                     r.updated_at.astimezone(UTC))
            for r in store.list_orders(None, limit=None)]


def check_hub(hub: Iterable[HubOrder], markets: Iterable[MarketOrder], limits: Limits,
              now: datetime) -> Verdict:
    """``error`` only for planted bad input (which must be in ``error``); nothing waiting
    or pending past its deadline."""
    verdict = Verdict()
    by_ref = {m.reference: m for m in markets}
    seen = set()
    for order in hub:
        ref = f"{order.platform}:{order.external_id}"
        seen.add(ref)
        market = by_ref.get(ref)
        subject = f"hub order {ref}"
        if market is not None and market.planted:
            if order.status != "error":
                verdict.fail("bad_input_not_quarantined", subject,
                             f"{market.planted}, yet {order.status}")
            continue
        if order.status == "error":
            verdict.fail("unexpected_error", subject,
                         f"in error ({order.error_reason}), not planted bad input")
        elif order.status == "waiting" and order.waiting_since is not None:
            _due(verdict, now, order.waiting_since + limits.tracking_wait + limits.grace,
                 "stuck_waiting", subject, f"waiting since {order.waiting_since:%H:%M:%S}")
        elif order.status == "pending" and market is not None and market.due_since:
            _due(verdict, now, market.due_since + limits.grace, "stuck_pending", subject,
                 f"paid on Amazon at {market.due_since:%H:%M:%S}, still pending")
    for market in by_ref.values():
        if market.planted and market.reference not in seen:
            _due(verdict, now, (market.placed or now) + limits.grace,
                 "bad_input_not_quarantined", f"hub order {market.reference}",
                 f"{market.planted}, never imported")
    return verdict


def check_coverage(markets: Iterable[MarketOrder], shop: Iterable[ShopOrder], *,
                   per_line: bool = True) -> Verdict:
    """The run exercised every case: per marketplace an order shipped with and without
    track & trace, a cancellation, a multi-line order; bad input; parcels and a partial
    shipment where the shop ships per line (``per_line``; the traffic makes none otherwise)."""
    verdict = Verdict()
    markets, shop = list(markets), list(shop)
    platform_of = {m.reference: m.platform for m in markets}
    buyer_cancelled = {m.reference for m in markets if m.buyer_cancelled}
    cases: Counter[str] = Counter()
    for order in shop:
        platform = platform_of.get(order.reference, "?")
        if order.cancelled and order.reference in buyer_cancelled:
            cases[f"{platform} buyer cancelled"] += 1
        elif order.cancelled:
            cases[f"{platform} cancelled in shop"] += 1
        elif order.fulfilled:
            cases[f"{platform} shipped {'with' if order.tracking else 'without'} T&T"] += 1
            if len(order.codes) > 1:
                cases["shipped in parcels"] += 1
            if order.partial:
                cases["shipped partially"] += 1
    for market in markets:
        if market.planted:
            cases[f"{market.platform} bad input"] += 1
        elif len(market.items) > 1:
            cases[f"{market.platform} multi-line"] += 1
    wanted = [f"{p} {case}" for p in ("bolcom", "amazon") for case in (
        "shipped with T&T", "shipped without T&T", "cancelled in shop", "buyer cancelled",
        "multi-line")]
    wanted.append("bolcom bad input")  # Amazon: see Traffic.plant_bad_amazon_input
    if per_line:
        wanted += ["shipped in parcels", "shipped partially"]  # on either marketplace
    for case in wanted:
        if not cases[case]:
            verdict.fail("not_exercised", case, "the traffic never produced this case")
    verdict.figures["cases"] = dict(sorted(cases.items()))
    return verdict


def order_figures(markets: Iterable[MarketOrder], shop: Iterable[ShopOrder]) -> dict:
    refs = Counter(o.reference for o in shop)
    figures: dict[str, dict[str, int]] = {}
    for m in markets:
        row = figures.setdefault(m.platform, Counter())
        row["placed"] += 1
        row["planted"] += bool(m.planted)
        row["in_shop"] += bool(refs[m.reference])
        row["confirmed"] += bool(m.confirmations)
    return {p: dict(c) for p, c in sorted(figures.items())}


# -- verdicts on Prefect -----------------------------------------------------------------


def check_runs(runs: Iterable[dict[str, Any]], scheduled: Iterable[str]) -> Verdict:
    """``runs``: flow runs of this session as the Prefect API returns them (those that left
    Scheduled), each with its ``deployment`` name added. Failed or Crashed runs fail; so does
    a scheduled deployment none of whose auto-scheduled runs completed (schedule never fired)."""
    verdict = Verdict()
    by_state: Counter[str] = Counter()
    auto: Counter[str] = Counter()
    completed_auto: Counter[str] = Counter()
    for run in runs:
        state = run.get("state") or {}
        state_type = run.get("state_type") or state.get("type") or "?"
        by_state[run.get("state_name") or state.get("name") or state_type] += 1
        deployment = run.get("deployment") or "-"
        if run.get("auto_scheduled"):
            auto[deployment] += 1
            completed_auto[deployment] += state_type == "COMPLETED"
        if state_type in ("FAILED", "CRASHED"):
            message = " ".join(str(state.get("message") or "").split())[:300]
            verdict.fail("flow_run", f"{deployment} run {run.get('name')}",
                         f"{state_type.title()}: {message}")
    for deployment in scheduled:
        if not completed_auto[deployment]:
            verdict.fail("schedule", deployment, f"no auto-scheduled run completed "
                         f"({auto[deployment]} scheduled)")
    verdict.figures["runs_by_state"] = dict(sorted(by_state.items()))
    verdict.figures["auto_scheduled"] = dict(sorted(auto.items()))
    verdict.figures["auto_scheduled_completed"] = dict(sorted(completed_auto.items()))
    return verdict


LOG_ERROR = re.compile(r"\|\s*(ERROR|CRITICAL)\s*\|")
_CHAIN = ("Traceback (most recent call last)", "During handling of the above exception",
          "The above exception was the direct cause")



def log_errors(lines: Iterable[str]) -> list[str]:
    """ERROR/CRITICAL log records and tracebacks, each summed up in one line (the record,
    then the exception its traceback ends with)."""
    found: list[str] = []
    lines = [ln.rstrip("\n") for ln in lines]
    i, n = 0, len(lines)
    while i < n:
        if LOG_ERROR.search(lines[i]):
            head = lines[i].split("|", 2)[-1].strip()
            i += 1
        elif lines[i].startswith(_CHAIN[0]):
            head = ""
        else:
            i += 1
            continue
        exception = None
        while i < n and lines[i].startswith(_CHAIN):
            i += 1
            if not lines[i - 1].startswith(_CHAIN[0]):  # "During handling ...": next one
                while i < n and not lines[i].strip():
                    i += 1
                continue
            while i < n and (lines[i][:1].isspace() or not lines[i].strip()):
                i += 1  # the frames
            if i < n:
                exception = lines[i].strip()
                i += 1
            while i < n and not lines[i].strip():
                i += 1
        found.append(" -> ".join(x for x in (head, exception) if x))
    return found


_VARYING = [(re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<id>"),
            (re.compile(r"\[\s*\d+ms\]"), "[<t>]"), (re.compile(r"worker-\d+"), "worker-<pid>")]


def _gist(message: str) -> str:
    """The message without the ids and timings that differ between occurrences."""
    for pattern, placeholder in _VARYING:
        message = pattern.sub(placeholder, message)
    return message


def check_logs(logs: dict[str, Iterable[str]]) -> Verdict:
    """One finding per distinct error in each log (with how often it occurred)."""
    verdict = Verdict()
    for name, lines in logs.items():
        counts = Counter(_gist(m) for m in log_errors(lines))
        for message, n in counts.items():
            verdict.fail("log_error", f"{name} log", f"{message[:400]} (x{n})")
        verdict.figures.setdefault("log_errors", {})[name] = sum(counts.values())
    return verdict


# -- the report --------------------------------------------------------------------------


def report(verdict: Verdict, say: Any) -> dict[str, Any]:
    """Print the failures and figures; the summary (also the final JSON line)."""
    kinds = Counter(f.kind for f in verdict.findings)
    for finding in verdict.findings:
        say(f"CHECK FAILED {finding}")
    for name, value in verdict.figures.items():
        say(f"figures {name}: {value}")
    summary = {"ok": not verdict.findings, "failures": len(verdict.findings),
               "failures_by_kind": dict(sorted(kinds.items())), **verdict.figures}
    say(f"check {'passed' if summary['ok'] else 'FAILED'}: {len(verdict.findings)} failures "
        f"{dict(sorted(kinds.items()))}")
    return summary


def check_alerts(alerts: Sequence[Any], planted: int) -> Verdict:
    """Planted bad input puts orders in ``error``; the 'order needs attention' automation
    must then have notified the demo's alert receiver at least once."""
    verdict = Verdict()
    verdict.figures["alerts"] = len(alerts)
    if planted and not alerts:
        verdict.fail("no_alert", "alert receiver",
                     f"{planted} planted orders went to error, yet no alert arrived")
    return verdict
