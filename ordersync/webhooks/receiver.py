"""The notification receiver: a small ASGI app (``ordersync webhooks serve``).

``POST /webhooks/shopify``: the shop is named by ``X-Shopify-Shop-Domain``; the body must carry
a valid ``X-Shopify-Hmac-Sha256`` for that shop's secret, else 401 (nothing else is read). A
``X-Shopify-Webhook-Id`` seen before is answered 200 and dropped (Shopify retries a delivery
with the same id). Each order connection the notification concerns gets one ``emit`` call;
if ``emit`` fails the answer is 503, so Shopify retries. ``GET /health`` answers 200.
Secrets are never logged; logs name the shop, topic and webhook id only.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.webhooks import shopify
from ordersync.webhooks.shopify import Notification

log = logging.getLogger("ordersync.webhooks")

Emit = Callable[[str, Notification], None]
"""(connection name, notification) -> None: raise to have the platform retry."""


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
    def __init__(self, routes: list[ShopRoute], emit: Emit, *, seen: SeenIds | None = None):
        self.routes = {r.domain.lower(): r for r in routes}
        self.emit, self.seen = emit, seen or SeenIds()
        self.counts: dict[str, int] = {"accepted": 0, "rejected": 0, "duplicate": 0,
                                       "ignored": 0, "emitted": 0}
        self.app = Starlette(routes=[
            Route("/webhooks/shopify", self._shopify, methods=["POST"]),
            Route("/health", self._health, methods=["GET"]),
        ])

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", **self.counts})

    async def _shopify(self, request: Request) -> Response:
        body = await request.body()
        domain = (request.headers.get("X-Shopify-Shop-Domain") or "").lower()
        route = self.routes.get(domain)
        if route is None or not shopify.verify(
                body, request.headers.get("X-Shopify-Hmac-Sha256"),
                route.secret.get_secret_value()):
            self.counts["rejected"] += 1
            log.warning("rejected a Shopify notification for %r: unknown shop or bad "
                        "signature", domain or "-")
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        topic = request.headers.get("X-Shopify-Topic", "")
        ident = request.headers.get("X-Shopify-Webhook-Id") or ""
        if ident and ident in self.seen:
            self.counts["duplicate"] += 1
            return JSONResponse({"status": "duplicate"})
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        note = shopify.notification(topic, payload)
        connections = route.concerned(note) if note else []
        if not connections:
            self.counts["ignored"] += 1
            if ident:
                self.seen.add(ident)
            return JSONResponse({"status": "ignored"})
        try:
            for connection in connections:
                self.emit(connection, note)
                self.counts["emitted"] += 1
        except Exception as exc:  # the platform retries; the poll remains the safety net
            log.error("notification %s (%s) not passed on: %s", ident, topic,
                      type(exc).__name__)
            return JSONResponse({"error": "try again"}, status_code=503)
        if ident:
            self.seen.add(ident)
        self.counts["accepted"] += 1
        log.info("%s from %s (webhook %s) -> %s", topic, domain, ident, ", ".join(connections))
        return JSONResponse({"status": "accepted", "connections": connections})
