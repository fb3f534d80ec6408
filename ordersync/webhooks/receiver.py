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

``POST /webhooks/bolcom/{connection}``: a bol.com push (PROCESS_STATUS) for the connection named
in the URL; its ``Signature`` header must verify with that connection's bol.com signature keys
(``BolcomAccounts``: cached, refreshed at most once a ``min_refresh`` on an unknown keyId; a key
fetch that fails is 503), else 401. A settled process is passed to the ``Coalescer`` like a
Shopify notice (dedup by connection, process and outcome: bol.com may push twice); other
resources (the test push) are answered 200 and ignored.
Secrets are never logged; logs name the shop, topic and webhook id, or the connection and
process id, only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.bolcom.push_facts import SIGNATURE_HEADER
from ordersync.webhooks import bolcom, shopify
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


KeyProvider = Callable[[str], Mapping[str, object]]
"""connection name -> its bol.com account's signature keys (keyId -> RSA public key); I/O."""


class BolcomAccounts:
    """The bol.com connections the receiver accepts pushes for, and their signature keys:
    fetched with ``fetch`` when first needed, fetched again on an unknown keyId at most once
    per ``min_refresh`` seconds per connection (thread-safe)."""

    def __init__(self, connections: Collection[str], fetch: KeyProvider, *,
                 min_refresh: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.connections = frozenset(connections)
        self.fetch, self.min_refresh, self.clock = fetch, min_refresh, clock
        self._keys: dict[str, Mapping[str, object]] = {}
        self._fetched: dict[str, float] = {}
        self._lock = threading.Lock()

    def keys(self, connection: str, key_id: str | None = None) -> Mapping[str, object]:
        """The cached keys; fetched when none are, or when ``key_id`` is not among them and
        the last fetch is ``min_refresh`` old."""
        with self._lock:
            keys, last = self._keys.get(connection), self._fetched.get(connection)
            stale = last is None or self.clock() - last >= self.min_refresh
            if keys is not None and (key_id is None or key_id in keys or not stale):
                return keys
            self._fetched[connection] = self.clock()
        fresh = dict(self.fetch(connection))
        with self._lock:
            self._keys[connection] = fresh
        log.info("bol.com signature keys of %s fetched (%d)", connection, len(fresh))
        return fresh


class Receiver:
    """The ASGI app (``app``) and its counts; ``gap``/``busy`` configure the ``Coalescer``
    (or pass one as ``coalescer``)."""

    def __init__(self, routes: list[ShopRoute], emit: Emit, *, seen: SeenIds | None = None,
                 gap: float = 0.0, busy: Busy = never_busy,
                 coalescer: Coalescer | None = None, bolcom: BolcomAccounts | None = None):
        self.routes = {r.domain.lower(): r for r in routes}
        self.bolcom = bolcom or BolcomAccounts((), lambda connection: {})
        self.seen = seen or SeenIds()
        self.coalescer = coalescer or Coalescer(emit, gap, busy=busy)
        self._counts: dict[str, int] = {"accepted": 0, "rejected": 0, "duplicate": 0,
                                        "ignored": 0}
        self.app = Starlette(routes=[
            Route("/webhooks/shopify", self._shopify, methods=["POST"]),
            Route("/webhooks/bolcom/{connection}", self._bolcom, methods=["POST"]),
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

    async def _bolcom(self, request: Request) -> Response:
        body = await request.body()
        connection = request.path_params["connection"]
        header = request.headers.get(SIGNATURE_HEADER)
        if connection not in self.bolcom.connections:
            return self._reject_bolcom(connection, "unknown connection")
        key_id = bolcom.key_id(header)
        if key_id is None:  # no key fetch for a request that cannot verify
            return self._reject_bolcom(connection, "missing or garbled signature header")
        try:
            keys = await run_in_threadpool(self.bolcom.keys, connection, key_id)
        except Exception as exc:  # bol.com retries; the poll remains the safety net
            log.error("bol.com signature keys of %s not fetched: %s", connection,
                      type(exc).__name__)
            return JSONResponse({"error": "try again"}, status_code=503)
        if not bolcom.verify(body, header, keys):  # type: ignore[arg-type]
            return self._reject_bolcom(connection, "bad signature")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        note = bolcom.notification(payload)
        if note is None:
            self._counts["ignored"] += 1
            return JSONResponse({"status": "ignored"})
        ident = f"{connection}:{bolcom.dedup_id(note)}"
        if ident in self.seen:
            self._counts["duplicate"] += 1
            return JSONResponse({"status": "duplicate"})
        try:
            now = await run_in_threadpool(self.coalescer.submit, connection, note)
        except Exception as exc:
            log.error("bol.com process %s (%s) for %s not passed on: %s", note.process_id,
                      note.topic, connection, type(exc).__name__)
            return JSONResponse({"error": "try again"}, status_code=503)
        self.seen.add(ident)
        self._counts["accepted"] += 1
        log.info("bol.com process %s %s -> %s%s", note.process_id, note.topic, connection,
                 "" if now else " (coalesced)")
        return JSONResponse({"status": "accepted", "connections": [connection]})

    def _reject_bolcom(self, connection: str, why: str) -> Response:
        self._counts["rejected"] += 1
        log.warning("rejected a bol.com push for %r: %s", connection, why)
        return JSONResponse({"error": "invalid signature"}, status_code=401)
