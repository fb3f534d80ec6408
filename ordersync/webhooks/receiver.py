"""The notification receiver: a small ASGI app (``ordersync webhooks serve``).

``POST /webhooks/shopify``: the shop is named by ``X-Shopify-Shop-Domain``; the body must carry
a valid ``X-Shopify-Hmac-Sha256`` for that shop's secret, else 401 (nothing else is read). A
``X-Shopify-Webhook-Id`` seen before is answered 200 and dropped (Shopify retries a delivery
with the same id). Each order connection the notification concerns is passed to the
``Coalescer`` (``coalesce``, in a worker thread: it may ask the Prefect API): emitted at once
when it had no emit in the last ``gap`` seconds and no run is under way (if that ``emit`` fails
the answer is 503, so Shopify retries), else accepted and emitted once when the gap has passed
and the run has ended (``gap`` 0: every notice is emitted at once). ``GET /health`` answers
200 with the counts, ``coalesced`` notices and connections ``pending`` a trailing emit included.
Secrets are never logged; logs name the shop, topic and webhook id only.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.webhooks import shopify
from ordersync.webhooks.coalesce import Busy, Coalescer, Emit, never_busy
from ordersync.webhooks.shopify import Notification

log = logging.getLogger("ordersync.webhooks")


@dataclass(frozen=True)
class ShopRoute:
    """A webshop the receiver accepts notifications from, and the order connections it
    feeds (connection name -> the connection's marketplace platform)."""

    domain: str  # e.g. my-shop.myshopify.com
    secret: SecretStr
    connections: Mapping[str, str] = field(default_factory=dict)

    def concerned(self, note: Notification) -> list[str]:
        """The connections of this order's marketplace (all of them when unknown)."""
        return sorted(name for name, marketplace in self.connections.items()
                      if note.marketplace is None or marketplace == note.marketplace)


class SeenIds:
    """The last ``size`` webhook ids, thread-safe (a bounded dedup window)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size, self._ids, self._lock = size, OrderedDict[str, None](), threading.Lock()

    def __contains__(self, ident: str) -> bool:
        with self._lock:
            return ident in self._ids

    def add(self, ident: str) -> None:
        with self._lock:
            self._ids[ident] = None
            self._ids.move_to_end(ident)
            while len(self._ids) > self.size:
                self._ids.popitem(last=False)


class Receiver:
    """The ASGI app (``app``) and its counts; ``gap``/``busy`` configure the ``Coalescer``
    (or pass one as ``coalescer``)."""

    def __init__(self, routes: list[ShopRoute], emit: Emit, *, seen: SeenIds | None = None,
                 gap: float = 0.0, busy: Busy = never_busy,
                 coalescer: Coalescer | None = None):
        self.routes = {r.domain.lower(): r for r in routes}
        self.seen = seen or SeenIds()
        self.coalescer = coalescer or Coalescer(emit, gap, busy=busy)
        self._counts: dict[str, int] = {"accepted": 0, "rejected": 0, "duplicate": 0,
                                        "ignored": 0}
        self.app = Starlette(routes=[
            Route("/webhooks/shopify", self._shopify, methods=["POST"]),
            Route("/health", self._health, methods=["GET"]),
        ])

    def close(self) -> None:
        """Stop the coalescer's thread (notices still pending are left to the poll)."""
        self.coalescer.close()

    @property
    def counts(self) -> dict[str, int]:
        """Notifications by outcome, emits (at once or trailing), and connections pending."""
        return {**self._counts, **self.coalescer.counts, "pending": self.coalescer.pending()}

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", **self.counts})

    async def _shopify(self, request: Request) -> Response:
        body = await request.body()
        domain = (request.headers.get("X-Shopify-Shop-Domain") or "").lower()
        route = self.routes.get(domain)
        if route is None or not shopify.verify(
                body, request.headers.get("X-Shopify-Hmac-Sha256"),
                route.secret.get_secret_value()):
            self._counts["rejected"] += 1
            log.warning("rejected a Shopify notification for %r: unknown shop or bad "
                        "signature", domain or "-")
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        topic = request.headers.get("X-Shopify-Topic", "")
        ident = request.headers.get("X-Shopify-Webhook-Id") or ""
        if ident and ident in self.seen:
            self._counts["duplicate"] += 1
            return JSONResponse({"status": "duplicate"})
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        note = shopify.notification(topic, payload)
        connections = route.concerned(note) if note else []
        if not connections:
            self._counts["ignored"] += 1
            if ident:
                self.seen.add(ident)
            return JSONResponse({"status": "ignored"})
        passed: list[str] = []
        try:
            for connection in connections:
                now = await run_in_threadpool(self.coalescer.submit, connection, note)
                passed.append(connection if now else f"{connection} (coalesced)")
        except Exception as exc:  # the platform retries; the poll remains the safety net
            log.error("notification %s (%s) not passed on: %s", ident, topic,
                      type(exc).__name__)
            return JSONResponse({"error": "try again"}, status_code=503)
        if ident:
            self.seen.add(ident)
        self._counts["accepted"] += 1
        log.info("%s from %s (webhook %s) -> %s", topic, domain, ident, ", ".join(passed))
        return JSONResponse({"status": "accepted", "connections": connections})
