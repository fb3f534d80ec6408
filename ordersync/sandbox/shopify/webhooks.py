"""Webhook subscriptions of the Shopify twin and their delivery, as Shopify documents them.

API routes, under ``/admin/api/{version}/`` (same auth and rate limit as the rest of the API):
- ``POST webhooks.json`` ``{"webhook": {"topic", "address", "format": "json"}}``: 201
  ``{"webhook": {...}}``; 422 for an unknown or missing topic, a missing address, or the same
  address already subscribed to the topic (``"for this topic has already been taken"``).
- ``GET webhooks.json`` (``address``, ``topic`` filters), ``GET webhooks/count.json``,
  ``GET webhooks/{id}.json``, ``DELETE webhooks/{id}.json`` (200 ``{}``).

Topics delivered: ``fulfillments/create`` (payload: the fulfillment, with ``order_id``),
``fulfillments/update`` (tracking added), ``orders/fulfilled`` and ``orders/partially_fulfilled``
(payload: the order), ``orders/cancelled`` (the order). Other valid topics can be subscribed
but are never sent by the twin.

Delivery: an HTTP POST of the JSON payload, asynchronously (a background thread, never in the
request that caused it), with ``X-Shopify-Topic``, ``X-Shopify-Hmac-Sha256`` (base64
HMAC-SHA256 of the raw body, keyed with the app's client secret), ``X-Shopify-Shop-Domain``,
``X-Shopify-API-Version``, ``X-Shopify-Webhook-Id`` (the same on every retry of one delivery),
``X-Shopify-Event-Id`` and ``X-Shopify-Triggered-At``. The receiver has 1 s to connect and 5 s
to answer; anything but a 2xx is retried with the original payload, 8 times over about 4 hours
(exponential backoff; ``retry_delays`` shortens it for tests). The twin accepts ``http://``
addresses (the sandbox has no TLS); Shopify requires ``https://``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.deliveries import DelayedDeliveries
from ordersync.sandbox.shopify.store import ShopError, ShopStore

Json = dict[str, Any]
SENT_TOPICS = ("fulfillments/create", "fulfillments/update", "orders/fulfilled",
               "orders/partially_fulfilled", "orders/cancelled")
TOPICS = frozenset({*SENT_TOPICS, "orders/create", "orders/updated", "orders/paid",
                    "orders/delete", "orders/edited", "refunds/create", "app/uninstalled"})
# 8 retries over about 4 hours, doubling (Shopify: "8 times over 4 hours, exponential backoff")
SHOPIFY_RETRY_DELAYS = (60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3840.0, 6840.0)


def sign(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body with the app secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    webhook_id: str
    subscription: Json
    topic: str
    body: bytes
    triggered_at: str
    event_id: str
    attempts: list[int | str] = field(default_factory=list)  # status codes or error names


class ShopifyWebhooks:
    """Subscriptions of one shop and a delivery thread (started with the first delivery)."""

    def __init__(self, store: ShopStore, secret: str, *,
                 retry_delays: Sequence[float] = SHOPIFY_RETRY_DELAYS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.secret, self.retry_delays, self.clock = store, secret, retry_delays, clock
        self.subscriptions: dict[int, Json] = {}
        self.delivered: list[Delivery] = []  # answered 2xx
        self.failed: list[Delivery] = []  # every retry used up
        self._ids = itertools.count(1_150_000_001)
        self._deliveries = DelayedDeliveries(self._attempt, name="shopify-webhooks",
                                             clock=clock)
        store.listeners.append(self._on_change)

    # -- subscriptions (the API) ---------------------------------------------------------

    def create(self, body: Any, version: str) -> Json:
        hook = body.get("webhook") if isinstance(body, dict) else None
        if not isinstance(hook, dict):
            raise ShopError(400, {"errors": {"webhook": "Required parameter missing or invalid"}})
        topic, address = hook.get("topic"), hook.get("address")
        errors: dict[str, list[str]] = {}
        if not topic:
            errors["topic"] = ["can't be blank"]
        elif topic not in TOPICS:
            errors["topic"] = ["Invalid topic specified. Topics allowed: "
                               + ", ".join(sorted(TOPICS))]
        if not address:
            errors["address"] = ["can't be blank"]
        elif not str(address).startswith(("https://", "http://")):
            errors["address"] = ["protocol is not supported"]
        if not errors and any(s["topic"] == topic and s["address"] == address
                              for s in self.subscriptions.values()):
            errors["address"] = ["for this topic has already been taken"]
        if errors:
            raise ShopError(422, {"errors": errors})
        now = self.store.stamp()
        ident = next(self._ids)
        subscription = {
            "id": ident, "address": address, "topic": topic, "created_at": now,
            "updated_at": now, "format": hook.get("format") or "json",
            "fields": hook.get("fields") or [], "metafield_namespaces": [],
            "api_version": version, "private_metafield_namespaces": [],
            "admin_graphql_api_id": f"gid://shopify/WebhookSubscription/{ident}",
        }
        self.subscriptions[ident] = subscription
        return subscription

    def listing(self, address: str | None = None, topic: str | None = None) -> list[Json]:
        return [s for _, s in sorted(self.subscriptions.items())
                if (address is None or s["address"] == address)
                and (topic is None or s["topic"] == topic)]

    def get(self, ident: int) -> Json:
        if ident not in self.subscriptions:
            raise ShopError(404, {"errors": "Not Found"})
        return self.subscriptions[ident]

    def delete(self, ident: int) -> None:
        self.get(ident)
        del self.subscriptions[ident]

    def routes(self) -> list[tuple[str, str, Callable[[Request], Any]]]:
        """(method, path under /admin/api/{version}, handler) for the twin's API wrapper."""

        async def create(request: Request) -> Response:
            try:
                body = json.loads(await request.body() or b"null")
            except ValueError:
                raise ShopError(400, {"errors": {"base": "Invalid JSON"}}) from None
            hook = self.create(body, request.path_params["version"])
            return JSONResponse({"webhook": hook}, status_code=201)

        async def listing(request: Request) -> Response:
            q = request.query_params
            return JSONResponse({"webhooks": self.listing(q.get("address"), q.get("topic"))})

        async def count(request: Request) -> Response:
            q = request.query_params
            return JSONResponse({"count": len(self.listing(q.get("address"), q.get("topic")))})

        async def one(request: Request) -> Response:
            return JSONResponse({"webhook": self.get(request.path_params["webhook_id"])})

        async def delete(request: Request) -> Response:
            self.delete(request.path_params["webhook_id"])
            return JSONResponse({})

        return [("POST", "/webhooks.json", create), ("GET", "/webhooks.json", listing),
                ("GET", "/webhooks/count.json", count),
                ("GET", "/webhooks/{webhook_id:int}.json", one),
                ("DELETE", "/webhooks/{webhook_id:int}.json", delete)]

    # -- deliveries ----------------------------------------------------------------------

    def _on_change(self, topic: str, order: Json, fulfillment: Json) -> None:
        """Called by the store under its lock: snapshot the payloads, queue the deliveries."""
        if not self.subscriptions:
            return
        events: list[tuple[str, Json]] = []
        if topic.startswith("fulfillments/"):
            events.append((topic, fulfillment))
            if topic == "fulfillments/create":
                status = order.get("fulfillment_status")
                events.append(("orders/fulfilled" if status == "fulfilled"
                               else "orders/partially_fulfilled", order))
        else:
            events.append((topic, order))
        triggered = self.store.stamp()
        for name, payload in events:
            if not self.listing(topic=name):
                continue
            body = json.dumps(payload, default=str).encode()
            event_id = str(uuid.uuid4())
            for subscription in self.listing(topic=name):
                self._enqueue(0.0, Delivery(str(uuid.uuid4()), subscription, name, body,
                                            triggered, event_id))

    def _enqueue(self, delay: float, delivery: Delivery) -> None:
        self._deliveries.put(delay, delivery)

    def pending(self) -> int:
        return self._deliveries.pending()

    def stop(self) -> None:
        self._deliveries.stop()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        subscription = delivery.subscription
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": sign(delivery.body, self.secret),
            "X-Shopify-Shop-Domain": f"{self.store.shop}.myshopify.com",
            "X-Shopify-API-Version": subscription["api_version"],
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }
        try:
            status: int | str = client.post(subscription["address"], content=delivery.body,
                                            headers=headers).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        delivery.attempts.append(status)
        if isinstance(status, int) and 200 <= status < 300:
            self.delivered.append(delivery)
            return
        retries = len(delivery.attempts) - 1
        if retries >= len(self.retry_delays):
            self.failed.append(delivery)
            return
        self._enqueue(self.retry_delays[retries], delivery)
