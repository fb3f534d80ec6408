"""Fault storms: seeded faults on every served twin, token endpoints included."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import strategies as st

from ordersync.http import ApiClient
from ordersync.order_loop import SyncContext
from ordersync.sandbox.webshops import WEBSHOPS
from tests.chaos.world import World, settings

# Paths worth hitting per twin (regexes as the twins' fault layer takes them).
PATHS: dict[str, tuple[str, ...]] = {
    "bolcom": ("^/token$", "^/retailer/orders$", r"^/retailer/orders/\d+$",
               "^/retailer/shipments$", "^/retailer/orders/cancellation$",
               "^/shared/process-status"),
    "amazon": ("^/auth/o2/token$", "^/orders/v0/orders$", "^/orders/v0/orders/[^/]+$",
               "/orderItems$", "/shipmentConfirmation$"),
    **{row.platform: row.fault_paths for row in WEBSHOPS.values()},
}
KINDS = ("5xx", "429", "hang", "processed_then_5xx", "processed_then_hang")
HANG_TIMEOUT = 0.3  # the connectors' client timeout during a storm: a hang fails fast


def fault_body(kind: str, path: str, count: int, status: int, retry_after: int) -> dict:
    body: dict[str, Any] = {"path": path, "count": count}
    if kind == "5xx":
        body["status"] = status
    elif kind == "429":
        body.update(status=429, retry_after=retry_after)
    elif kind == "hang":
        body["status"] = 0
    elif kind == "processed_then_5xx":
        body.update(status=status, after_handling=True)
    else:
        body.update(status=0, after_handling=True)
    return body


@st.composite
def faults(draw, twins: tuple[str, ...]) -> tuple[str, str, dict]:
    """(twin, kind, fault body) on one of ``twins``."""
    twin = draw(st.sampled_from(twins))
    kind = draw(st.sampled_from(KINDS))
    body = fault_body(kind, draw(st.sampled_from(PATHS[twin])), draw(st.integers(1, 3)),
                      draw(st.sampled_from([500, 502, 503])), draw(st.integers(0, 2)))
    return twin, kind, body


def storm_plan(twins: tuple[str, ...], rounds: int) -> st.SearchStrategy:
    """Per round: the faults injected before that round's cycle."""
    return st.lists(st.lists(faults(twins), min_size=1, max_size=4), min_size=rounds,
                    max_size=rounds)


def inject(world: World, twin: str, body: dict) -> None:
    httpx.post(f"{world.stack.url(twin)}/_sandbox/faults", json=body).raise_for_status()


def storm_context(world: World, store, marketplace: str) -> SyncContext:
    """Connectors that time out fast and never really sleep (retries still counted)."""
    noop = lambda seconds: None  # noqa: E731
    ctx = SyncContext(store=store,
                      marketplace=world.stack.marketplace(marketplace, sleep=noop),
                      webshop=world.stack.webshop(sleep=noop), settings=settings())
    for connector in (ctx.marketplace, ctx.webshop):
        for value in vars(connector).values():
            if isinstance(value, ApiClient):
                value.timeout = HANG_TIMEOUT
    return ctx
