"""bol.com push subscriptions (``/retailer/subscriptions``) and their signature keys. A mixin
of ``BolcomConnector``; the receiver side is ``ordersync.webhooks.bolcom``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ordersync.connectors.bolcom.push_facts import PROCESS_STATUS, WEBHOOK
from ordersync.orders import ProcessResult


class PushSubscriptions:
    """Needs the connector's ``_call``, ``_accepted`` and ``process_status``."""

    _call: Callable[..., dict[str, Any]]
    _accepted: Callable[[str, dict[str, Any]], str]
    process_status: Callable[[str], ProcessResult]

    def signature_keys(self) -> dict[str, Any]:
        """``GET /retailer/subscriptions/signature-keys``: the ``KeySetResponse``."""
        return self._call("GET", "/retailer/subscriptions/signature-keys")

    def subscriptions(self) -> list[dict[str, Any]]:
        body = self._call("GET", "/retailer/subscriptions")
        return [s for s in body.get("subscriptions") or [] if isinstance(s, dict)]

    def subscribe(self, url: str, resources: list[str] | None = None) -> str:
        """``POST /retailer/subscriptions`` (an enabled WEBHOOK); the process status id."""
        body = _request(url, resources or [PROCESS_STATUS])
        return self._accepted("POST /retailer/subscriptions",
                              self._call("POST", "/retailer/subscriptions", body=body))

    def update_subscription(self, ident: str, url: str, resources: list[str]) -> str:
        """``PUT /retailer/subscriptions/{id}`` (enabled); the process status id."""
        path = f"/retailer/subscriptions/{quote(ident, safe='')}"
        return self._accepted(f"PUT {path}", self._call("PUT", path,
                                                        body=_request(url, resources)))

    def settled(self, ref: str, *, polls: int = 10, pause: float = 1.0,
                sleep: Callable[[float], None] = time.sleep) -> ProcessResult:
        """The process's result once it is no longer pending (or pending after ``polls``)."""
        result = self.process_status(ref)
        for _ in range(polls - 1):
            if result.state != "pending":
                break
            sleep(pause)
            result = self.process_status(ref)
        return result


def _request(url: str, resources: list[str]) -> dict[str, Any]:
    return {"resources": resources, "url": url, "subscriptionType": WEBHOOK, "enabled": True}
