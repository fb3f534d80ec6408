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
from ordersync.webhooks.register import register_shopify, shopify_client
from ordersync.webhooks.routes import load_connection, order_sync_deployments, shop_routes

PATH = "/webhooks/shopify"


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
                                "shop of the deployed order connections (idempotent)")
    register.add_argument("--address", required=True,
                          help="the receiver's public base URL, e.g. https://hub.example")


def build_receiver(coalesce_seconds: float = DEFAULT_GAP) -> Receiver:
    deployments = order_sync_deployments()
    routes = shop_routes(sorted(deployments))
    if not routes:
        raise ValueError("no order connection has a Shopify shop with a Secret block "
                         "shopify-webhook-<shop> (the app's client secret)")
    return Receiver(routes, prefect_emitter(deployments), gap=coalesce_seconds,
                    busy=prefect_busy(deployments))


def run_webhooks(args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.webhooks_command == "serve":
        if args.coalesce_seconds < 0:
            raise ValueError("--coalesce-seconds must be 0 or more")
        receiver = build_receiver(args.coalesce_seconds)
        for route in receiver.routes.values():
            print(f"accepting {route.domain} -> {', '.join(sorted(route.connections))}")
        uvicorn.run(receiver.app, host=args.host, port=args.port, log_level="warning",
                    access_log=False)
        return 0
    address = args.address.rstrip("/") + PATH
    shops = {}
    for name in sorted(order_sync_deployments()):
        block = load_connection(name)
        if block is not None and isinstance(block.webshop, ShopifyCredentials):
            shops[block.webshop.shop] = block.webshop
    for shop, block in shops.items():
        base = block.base_url or f"https://{shop}.myshopify.com"
        with shopify_client(base, block.access_token.get_secret_value()) as client:
            created = register_shopify(client, address)
        print(f"{shop}: {', '.join(created) if created else 'already subscribed'}")
    return 0
