"""``ordersync webhooks serve`` (the receiver) and ``ordersync webhooks register`` (the
platforms' subscriptions to it), for the order connections deployed on the Prefect API."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from ordersync.blocks.credentials import ShopifyCredentials
from ordersync.webhooks.coalesce import DEFAULT_GAP
from ordersync.webhooks.prefect_events import prefect_busy, prefect_emitter
from ordersync.webhooks.receiver import Receiver
from ordersync.webhooks.register import register_bolcom, register_shopify, shopify_client
from ordersync.webhooks.routes import (
    bolcom_accounts,
    bolcom_credentials,
    load_connections,
    order_sync_deployments,
    shop_routes,
)

PATH = "/webhooks/shopify"
BOLCOM_PATH = "/webhooks/bolcom/{connection}"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    hooks = sub.add_parser("webhooks", help="platform notifications that trigger runs at once")
    verbs = hooks.add_subparsers(dest="webhooks_command", required=True)
    serve = verbs.add_parser("serve", help="run the receiver (verifies, dedups, emits the "
                             "Prefect events that run the connections' order-sync)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8470)
    serve.add_argument("--coalesce-seconds", type=float, default=DEFAULT_GAP,
                       help="notices for a connection within this long of its last run "
                       "trigger make one more trigger once it has passed and no run of it is "
                       f"under way (default {DEFAULT_GAP:g}; 0: every notice triggers a run)")
    register = verbs.add_parser("register", help="subscribe the receiver to every Shopify "
                                "shop and bol.com account of the deployed order connections "
                                "(idempotent)")
    register.add_argument("--address", required=True,
                          help="the receiver's public base URL, e.g. https://hub.example")


def build_receiver(coalesce_seconds: float = DEFAULT_GAP) -> Receiver:
    deployments = order_sync_deployments()
    blocks = load_connections(sorted(deployments))
    routes = shop_routes(blocks)
    accounts = bolcom_accounts(blocks)
    if not routes and accounts is None:
        raise ValueError("no order connection has a Shopify shop with a Secret block "
                         "shopify-webhook-<shop> (the app's client secret), nor a bol.com "
                         "marketplace (its process-status pushes)")
    return Receiver(routes, prefect_emitter(deployments), gap=coalesce_seconds,
                    busy=prefect_busy(deployments), bolcom=accounts)


def run_webhooks(args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.webhooks_command == "serve":
        if args.coalesce_seconds < 0:
            raise ValueError("--coalesce-seconds must be 0 or more")
        receiver = build_receiver(args.coalesce_seconds)
        for route in receiver.routes.values():
            print(f"accepting {route.domain} -> {', '.join(sorted(route.connections))}")
        for name in sorted(receiver.bolcom.connections):
            print(f"accepting bol.com pushes at {BOLCOM_PATH.format(connection=name)} -> {name}")
        uvicorn.run(receiver.app, host=args.host, port=args.port, log_level="warning",
                    access_log=False)
        return 0
    public = args.address.rstrip("/")
    address = public + PATH
    blocks = load_connections(sorted(order_sync_deployments()))
    shops = {}
    for block in blocks.values():
        if isinstance(block.webshop, ShopifyCredentials):
            shops[block.webshop.shop] = block.webshop
    for shop, block in shops.items():
        base = block.base_url or f"https://{shop}.myshopify.com"
        with shopify_client(base, block.access_token.get_secret_value()) as client:
            created = register_shopify(client, address)
        print(f"{shop}: {', '.join(created) if created else 'already subscribed'}")
    for name, credentials in bolcom_credentials(blocks).items():
        with credentials.get_client() as connector:
            done = register_bolcom(connector, public + BOLCOM_PATH.format(connection=name))
        print(f"bol.com {name}: {done}")
    return 0
