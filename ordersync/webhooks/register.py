"""Subscribe the receiver to a platform's notifications, idempotently: a topic (or resource)
already sent to the address is left as it is; nothing is ever subscribed twice."""

from __future__ import annotations

import httpx

from ordersync.connectors.bolcom.push_facts import PROCESS_STATUS
from ordersync.webhooks.shopify import TOPICS

API_VERSION = "2025-01"


def register_shopify(client: httpx.Client, address: str, topics: tuple[str, ...] = TOPICS,
                     version: str = API_VERSION) -> list[str]:
    """``client``: base URL of the shop (``https://<shop>.myshopify.com``) with the
    ``X-Shopify-Access-Token`` header. Returns the topics newly subscribed."""
    path = f"/admin/api/{version}/webhooks.json"
    response = client.get(path, params={"address": address})
    response.raise_for_status()
    have = {hook["topic"] for hook in response.json()["webhooks"]}
    created = []
    for topic in topics:
        if topic in have:
            continue
        response = client.post(path, json={"webhook": {"topic": topic, "address": address,
                                                        "format": "json"}})
        response.raise_for_status()
        created.append(topic)
    return created


def shopify_client(base_url: str, access_token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30,
                        headers={"X-Shopify-Access-Token": access_token})


def register_bolcom(connector, address: str, *, polls: int = 10, pause: float = 1.0) -> str:
    """Subscribe ``address`` to a bol.com account's PROCESS_STATUS pushes, idempotently: a
    subscription to this url with PROCESS_STATUS is left as is (enabled again if bol.com
    disabled it); one to this url without it gets it added (PUT); none: one is created (POST).
    ``connector``: a ``BolcomConnector``. Waits for bol.com's process; returns what it did."""
    found = [s for s in connector.subscriptions() if s.get("url") == address]
    have = next((s for s in found if PROCESS_STATUS in (s.get("resources") or [])), None)
    if have is not None and have.get("enabled", True):
        return f"already subscribed (subscription {have.get('id')})"
    if have is not None or found:
        target = have or found[0]
        resources = list(dict.fromkeys([*(target.get("resources") or []), PROCESS_STATUS]))
        ref = connector.update_subscription(str(target["id"]), address, resources)
        done = f"updated subscription {target['id']}"
    else:
        ref = connector.subscribe(address, [PROCESS_STATUS])
        done = "subscribed"
    result = connector.settled(ref, polls=polls, pause=pause)
    if result.state == "failure":
        raise RuntimeError(f"bol.com refused the subscription: {result.message}")
    return done if result.state == "success" else f"{done} (process {ref} still pending)"
