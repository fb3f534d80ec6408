"""Which webshop feeds which order connections, read from the Prefect API: every order-sync
deployment's ``connection`` block; Shopify shops need a Secret block
``shopify-webhook-<shop>`` holding the app's client secret (the webhook signing key). Connections
with a bol.com marketplace accept its pushes, verified with the account's signature keys
(fetched with the connection's bol.com credentials)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from uuid import UUID

from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from pydantic import SecretStr

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import BolcomCredentials, ShopifyCredentials
from ordersync.flows.connect import MARKETPLACES
from ordersync.webhooks import bolcom
from ordersync.webhooks.receiver import BolcomAccounts, ShopRoute

log = logging.getLogger("ordersync.webhooks")
ORDER_SYNC_FLOW = "order_sync"


def secret_block_name(shop: str) -> str:
    return f"shopify-webhook-{shop}"


def order_sync_deployments() -> dict[str, UUID]:
    """Connection name -> its order-sync deployment id (the first one, by name)."""
    found: dict[str, UUID] = {}
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[ORDER_SYNC_FLOW])))
    for deployment in sorted(deployments, key=lambda d: d.name):
        connection = (deployment.parameters or {}).get("connection")
        if isinstance(connection, str):
            found.setdefault(connection, deployment.id)
    return found


def load_connection(name: str) -> OrderConnection | None:
    """The connection's block, or None (with a warning saying what to fix) when a deployment
    names a connection whose block was deleted or never saved: one stale deployment must not
    stop the receiver for every other connection."""
    try:
        return OrderConnection.load(name)
    except ValueError:
        log.warning("an order-sync deployment names connection %s, but no order-connection "
                    "block %s exists; its notifications are not accepted (save the block "
                    "with `ordersync connect`, or delete the deployment)", name, name)
        return None


def load_connections(names: list[str]) -> dict[str, OrderConnection]:
    """The blocks of these connections that exist (see ``load_connection``)."""
    return {name: block for name in names if (block := load_connection(name)) is not None}


def shop_routes(blocks: Mapping[str, OrderConnection]) -> list[ShopRoute]:
    """One route per Shopify shop among these connections' webshops (others are skipped:
    their platforms' notifications are not supported yet); ``blocks`` from
    ``load_connections``."""
    shops: dict[str, dict[str, str]] = {}
    secrets: dict[str, SecretStr] = {}
    for name, block in sorted(blocks.items()):
        if not isinstance(block.webshop, ShopifyCredentials):
            log.info("connection %s: its webshop sends no notifications the hub reads", name)
            continue
        shop = block.webshop.shop
        if shop not in secrets:
            try:
                secrets[shop] = SecretStr(Secret.load(secret_block_name(shop)).get())
            except ValueError:
                log.warning("connection %s: no Secret block %s (the Shopify app's client "
                            "secret); its notifications are not accepted", name,
                            secret_block_name(shop))
                continue
        marketplace = next((p for p, cls in MARKETPLACES.items()
                            if isinstance(block.marketplace, cls)), "?")
        shops.setdefault(shop, {})[name] = marketplace
    return [ShopRoute(f"{shop}.myshopify.com", secrets[shop], conns)
            for shop, conns in shops.items()]


def bolcom_credentials(blocks: Mapping[str, OrderConnection]) -> dict[str, BolcomCredentials]:
    """Connection name -> its bol.com credentials, for the connections selling on bol.com."""
    return {name: block.marketplace for name, block in sorted(blocks.items())
            if isinstance(block.marketplace, BolcomCredentials)}


def bolcom_accounts(blocks: Mapping[str, OrderConnection]) -> BolcomAccounts | None:
    """The bol.com connections among these, with a key provider that fetches each one's
    signature keys through its connector (None when no connection sells on bol.com)."""
    credentials = bolcom_credentials(blocks)
    if not credentials:
        return None

    def fetch(connection: str) -> dict[str, object]:
        with credentials[connection].get_client() as connector:
            return dict(bolcom.key_set(connector.signature_keys()))

    return BolcomAccounts(credentials, fetch)
