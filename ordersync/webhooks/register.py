"""Subscribe the receiver to a shop's notifications, idempotently: a topic already sent to
the address is left as it is; nothing is ever subscribed twice."""

from __future__ import annotations

import httpx

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
