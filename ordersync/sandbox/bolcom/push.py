"""Push subscriptions of the bol.com twin and their delivery. A mixin of ``BolcomTwin``.

API routes (same auth, media type and rate limit as the rest of the twin; shapes of
retailer.json's ``SubscriptionRequest`` / ``SubscriptionResponse`` / ``KeySetResponse``):
- ``GET /retailer/subscriptions`` -> ``{"subscriptions": [...]}``.
- ``POST /retailer/subscriptions`` ``SubscriptionRequest`` -> 202 ProcessStatus
  (``CREATE_SUBSCRIPTION``, ``entityId`` the new subscription's id; the subscription exists once
  the process has settled, which listing or reading subscriptions also does); 400 Problem with
  violations for a bad body.
- ``GET /retailer/subscriptions/{id}`` -> ``SubscriptionResponse``, 404 Problem when unknown.
- ``PUT /retailer/subscriptions/{id}`` ``SubscriptionRequest`` -> 202 (``UPDATE_SUBSCRIPTION``;
  an unknown id fails the process); ``DELETE`` -> 202 (``DELETE_SUBSCRIPTION``).
- ``POST /retailer/subscriptions/test/{id}`` -> 202 (``SEND_SUBSCRIPTION_TST_MSG``): when it
  settles, a push with resource ``TEST`` goes to the subscription.
- ``GET /retailer/subscriptions/signature-keys`` -> the twin's RSA public key (``id`` "0";
  the key pair is made when first needed).

Delivery: when any process settles (SUCCESS/FAILURE/TIMEOUT), every enabled WEBHOOK
subscription with resource PROCESS_STATUS gets ``{"retailerId", "timestamp", "event":
{"resource": "PROCESS_STATUS", "type", "resourceId"}}`` POSTed from a background thread (never
in the request that settled it), signed as ``push_facts`` says. A delivery answered other than
2xx (or not at all) is retried with doubling delays, ``DELIVERY_ATTEMPTS`` attempts within
``push_retry_window`` seconds (bol.com: about 10 minutes; the twin's default is short, for
tests), then the subscription is disabled. The twin accepts ``http://`` URLs (bol.com: https).

Control route: ``GET /_sandbox/bolcom/pushes`` -> ``{"delivered": [...], "failed": [...],
"pending": n}`` (each ``{subscriptionId, resource, type, resourceId, attempts}``).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.connectors.bolcom.push_facts import (
    DELIVERY_ATTEMPTS,
    PROCESS_STATUS,
    SIGNATURE_HEADER,
    WEBHOOK,
    signature_header,
)
from ordersync.sandbox.bolcom.state import BolcomState, Process, iso
from ordersync.sandbox.deliveries import DelayedDeliveries

Json = dict[str, Any]
RESOURCES = ("PROCESS_STATUS", "SHIPMENT", "PRICE_STAR_BOUNDARY", "COMPETING_OFFER",
             "OFFER_FOR_SALE", "OFFER_NOT_FOR_SALE", "ORDER")
SUBSCRIPTION_TYPES = ("WEBHOOK", "GCP_PUBSUB", "AWS_SQS")
KEY_ID = "0"
RETAILER_ID = 1234567
SETTLED = ("SUCCESS", "FAILURE", "TIMEOUT")


class AnyId(Convertor[str]):
    """A path parameter of any characters, line breaks and slashes included."""

    regex = "(?s:.+)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("any_id", AnyId())


def retry_delays(window: float, attempts: int = DELIVERY_ATTEMPTS) -> list[float]:
    """Doubling delays between ``attempts`` tries, adding up to ``window`` seconds."""
    gaps = attempts - 1
    unit = window / (2 ** gaps - 1) if gaps else 0.0
    return [unit * 2 ** i for i in range(gaps)]


@dataclass
class Push:
    subscription_id: str
    url: str
    event: Json
    body: bytes
    attempts: list[int | str] = field(default_factory=list)  # status codes or error names

    def json(self) -> Json:
        return {"subscriptionId": self.subscription_id, **self.event,
                "attempts": list(self.attempts)}


class BolcomPush:
    """Subscriptions, the signing key and a delivery thread (started with the first push)."""

    def __init__(self, now: Callable[[], Any], *, retry_window: float = 2.0) -> None:
        self.now, self.delays = now, retry_delays(retry_window)
        self.subscriptions: dict[str, Json] = {}
        self.delivered: list[Push] = []  # answered 2xx
        self.failed: list[Push] = []  # every attempt used up; the subscription disabled
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._key: rsa.RSAPrivateKey | None = None
        self._deliveries = DelayedDeliveries(self._attempt, name="bolcom-push")

    @property
    def key(self) -> rsa.RSAPrivateKey:
        with self.lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def public_key(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def sign(self, body: bytes) -> str:
        raw = self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return signature_header(KEY_ID, base64.b64encode(raw).decode())

    def clear(self) -> None:
        with self.lock:
            self.subscriptions.clear()
            self.delivered.clear()
            self.failed.clear()
            self._deliveries.clear()

    def new_id(self) -> str:
        return str(next(self._ids))

    # -- deliveries ------------------------------------------------------------------

    def on_settled(self, process: Process) -> None:
        """A state listener (called under the state's lock): queue the pushes."""
        if process.status not in SETTLED:
            return
        with self.lock:
            targets = [s for s in self.subscriptions.values() if s.get("enabled", True)
                       and s["subscriptionType"] == WEBHOOK and PROCESS_STATUS in s["resources"]]
            for subscription in targets:
                self.queue(subscription, {"resource": PROCESS_STATUS, "type": process.status,
                                          "resourceId": process.id})

    def queue(self, subscription: Json, event: Json) -> None:
        body = json.dumps({"retailerId": RETAILER_ID, "timestamp": iso(self.now()),
                           "event": event}).encode()
        self._enqueue(0.0, Push(subscription["id"], subscription["url"], event, body))

    def _enqueue(self, delay: float, push: Push) -> None:
        self._deliveries.put(delay, push)

    def pending(self) -> int:
        return self._deliveries.pending()

    def stop(self) -> None:
        self._deliveries.stop()

    def _attempt(self, client: httpx.Client, push: Push) -> None:
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: self.sign(push.body)}
        try:
            status: int | str = client.post(push.url, content=push.body,
                                            headers=headers).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        with self.lock:
            push.attempts.append(status)
            if isinstance(status, int) and 200 <= status < 300:
                self.delivered.append(push)
                return
            retries = len(push.attempts) - 1
            if retries < len(self.delays):
                self._enqueue(self.delays[retries], push)
                return
            self.failed.append(push)
            subscription = self.subscriptions.get(push.subscription_id)
            if subscription is not None:
                subscription["enabled"] = False


def request_violations(body: Any) -> list[dict[str, str]]:
    """What makes a ``SubscriptionRequest`` invalid (retailer.json)."""
    if not isinstance(body, dict):
        return [{"name": "body", "reason": "must be an object"}]
    out = []
    resources = body.get("resources")
    if (not isinstance(resources, list) or not resources
            or any(r not in RESOURCES for r in resources)):
        out.append({"name": "resources", "reason": "must list one or more of "
                    + ", ".join(RESOURCES)})
    url = body.get("url")
    if not isinstance(url, str) or not url:
        out.append({"name": "url", "reason": "must not be empty"})
    if body.get("subscriptionType") not in SUBSCRIPTION_TYPES:
        out.append({"name": "subscriptionType", "reason": "must be one of "
                    + ", ".join(SUBSCRIPTION_TYPES)})
    elif (body["subscriptionType"] == WEBHOOK and isinstance(url, str)
          and not url.startswith(("https://", "http://"))):
        out.append({"name": "url", "reason": "must be an https URL"})
    if "enabled" in body and not isinstance(body["enabled"], bool):
        out.append({"name": "enabled", "reason": "must be a boolean"})
    identity = body.get("identity")
    if identity is not None and not isinstance(identity, str):
        out.append({"name": "identity", "reason": "must be a string"})
    if body.get("subscriptionType") == "AWS_SQS" and not identity:
        out.append({"name": "identity", "reason": "is required for AWS_SQS"})
    return out


def subscription_of(ident: str, body: Json) -> Json:
    """A ``SubscriptionResponse`` from a valid ``SubscriptionRequest``."""
    out = {"id": ident, "resources": list(dict.fromkeys(body["resources"])),
           "url": body["url"], "subscriptionType": body["subscriptionType"],
           "enabled": body.get("enabled", True)}
    if body.get("identity"):
        out["identity"] = body["identity"]
    return out


class PushRoutes:
    """Needs ``state``, ``push`` and the twin's request helpers."""

    state: BolcomState
    push: BolcomPush
    _guard: Callable[..., tuple[str, dict[str, str]]]
    _ok: Callable[..., Response]
    _problem: Callable[..., Response]
    _json_body: Callable[..., Any]

    def push_routes(self) -> list[tuple[str, Callable[[Request], Any], list[str]]]:
        return [
            ("/retailer/subscriptions", self._subscriptions, ["GET"]),
            ("/retailer/subscriptions", self._subscribe, ["POST"]),
            ("/retailer/subscriptions/signature-keys", self._signature_keys, ["GET"]),
            # any id (slashes, line breaks) is an id: unknown ones are 404 or a failed process
            ("/retailer/subscriptions/test/{subscription_id:any_id}", self._test_push,
             ["POST"]),
            ("/retailer/subscriptions/{subscription_id:any_id}", self._subscription, ["GET"]),
            ("/retailer/subscriptions/{subscription_id:any_id}", self._resubscribe, ["PUT"]),
            ("/retailer/subscriptions/{subscription_id:any_id}", self._unsubscribe,
             ["DELETE"]),
            ("/_sandbox/bolcom/pushes", self._ctl_pushes, ["GET"]),
        ]

    def subscriptions(self) -> list[Json]:
        """The subscriptions, pending writes to them applied first."""
        with self.state.lock:
            self.state.settle("subscriptions")
        with self.push.lock:
            return [dict(s) for s in self.push.subscriptions.values()]

    async def _subscriptions(self, request: Request) -> Response:
        _, headers = self._guard(request)
        return self._ok({"subscriptions": self.subscriptions()}, headers)

    async def _subscription(self, request: Request) -> Response:
        _, headers = self._guard(request)
        ident = request.path_params["subscription_id"]
        found = [s for s in self.subscriptions() if s["id"] == ident]
        if not found:
            return self._problem(request, 404, f"Subscription {ident} not found.",
                                 headers=headers)
        return self._ok(found[0], headers)

    async def _subscribe(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        violations = request_violations(body)
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        ident = self.push.new_id()

        def effect() -> str | None:
            with self.push.lock:
                self.push.subscriptions[ident] = subscription_of(ident, body)
            return None

        process = self.state.enqueue(ident, "CREATE_SUBSCRIPTION",
                                     f"Create subscription {ident}.", {"subscriptions"}, effect)
        return self._ok(process.json(), headers, 202)

    async def _resubscribe(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        violations = request_violations(body)
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        ident = request.path_params["subscription_id"]

        def effect() -> str | None:
            with self.push.lock:
                if ident not in self.push.subscriptions:
                    return f"Subscription {ident} not found."
                self.push.subscriptions[ident] = subscription_of(ident, body)
            return None

        process = self.state.enqueue(ident, "UPDATE_SUBSCRIPTION",
                                     f"Update subscription {ident}.", {"subscriptions"}, effect)
        return self._ok(process.json(), headers, 202)

    async def _unsubscribe(self, request: Request) -> Response:
        _, headers = self._guard(request)
        ident = request.path_params["subscription_id"]

        def effect() -> str | None:
            with self.push.lock:
                if self.push.subscriptions.pop(ident, None) is None:
                    return f"Subscription {ident} not found."
            return None

        process = self.state.enqueue(ident, "DELETE_SUBSCRIPTION",
                                     f"Delete subscription {ident}.", {"subscriptions"}, effect)
        return self._ok(process.json(), headers, 202)

    async def _test_push(self, request: Request) -> Response:
        _, headers = self._guard(request)
        ident = request.path_params["subscription_id"]

        def effect() -> str | None:
            with self.push.lock:
                subscription = self.push.subscriptions.get(ident)
                if subscription is None:
                    return f"Subscription {ident} not found."
                if subscription["subscriptionType"] == WEBHOOK:
                    self.push.queue(subscription, {"resource": "TEST", "type": "TEST",
                                                   "resourceId": ident})
            return None

        process = self.state.enqueue(ident, "SEND_SUBSCRIPTION_TST_MSG",
                                     f"Test message to subscription {ident}.",
                                     {"subscriptions"}, effect)
        return self._ok(process.json(), headers, 202)

    async def _signature_keys(self, request: Request) -> Response:
        _, headers = self._guard(request)
        return self._ok({"signatureKeys": [{"id": KEY_ID, "type": "RSA",
                                            "publicKey": self.push.public_key()}]}, headers)

    async def _ctl_pushes(self, request: Request) -> Response:
        with self.push.lock:
            return JSONResponse({"delivered": [p.json() for p in self.push.delivered],
                                 "failed": [p.json() for p in self.push.failed],
                                 "pending": self.push.pending()})
