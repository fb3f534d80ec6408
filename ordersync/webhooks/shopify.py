"""Shopify webhooks: the HMAC check and what a topic means for the hub (no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

FULFILLED = "ordersync.webshop.order.fulfilled"
CANCELLED = "ordersync.webshop.order.cancelled"
TOPIC_EVENTS = {
    "fulfillments/create": FULFILLED,
    "fulfillments/update": FULFILLED,  # tracking added to a parcel sent without
    "orders/fulfilled": FULFILLED,
    "orders/partially_fulfilled": FULFILLED,
    "orders/cancelled": CANCELLED,
}
TOPICS = tuple(TOPIC_EVENTS)


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw body with the app's
    client secret; compared in constant time. A missing header or secret never verifies."""
    if not signature or not secret:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature.strip())


@dataclass(frozen=True)
class Notification:
    event: str  # a Prefect event name, e.g. ordersync.webshop.order.fulfilled
    topic: str
    order_id: str | None  # the Shopify order id
    marketplace: str | None  # the hub order's marketplace (from source_identifier), if known
    process_id: str | None = None  # a marketplace's settled write (bol.com process status)


def notification(topic: str, payload: Any) -> Notification | None:
    """What a delivery means, or None for a topic the hub does not act on or an order the
    hub did not create (the shop's own: no ``source_identifier``). Order payloads carry the
    hub's ``source_identifier`` (``bolcom:123``), which names the marketplace; a fulfillment
    payload only names the order."""
    event = TOPIC_EVENTS.get(topic)
    if event is None or not isinstance(payload, dict):
        return None
    if topic.startswith("fulfillments/"):
        order_id = payload.get("order_id")
        return Notification(event, topic, str(order_id) if order_id else None, None)
    source = payload.get("source_identifier") or ""
    if ":" not in source:
        return None
    marketplace = source.split(":", 1)[0]
    order_id = payload.get("id")
    return Notification(event, topic, str(order_id) if order_id else None, marketplace)
