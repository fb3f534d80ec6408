"""The demo's notifications: the receiver (``ordersync webhooks serve``) started next to the
worker, with the Shopify twin's app secret in the Secret block it reads, and subscribed to
the twin's webhooks (``register_shopify``), so a fulfilment or cancellation in the shop runs the
connection's order-sync at once (automation ``ordersync-run-on-notification``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from ordersync.local import LocalPrefect
from ordersync.sandbox.common import free_port
from ordersync.sandbox.shopify.twin import WEBHOOK_SECRET
from ordersync.sandbox.stack import SHOP_TOKEN, SandboxStack
from ordersync.webhooks.register import register_shopify, shopify_client
from ordersync.webhooks.routes import secret_block_name


def start_notifications(prefect: LocalPrefect, sandbox: SandboxStack,
                        say: Callable[[str], None]) -> subprocess.Popen | None:
    """Start and register the receiver (Shopify shops only); None when the shop sends none.
    ``prefect.stop()`` stops it with the server and the worker."""
    from prefect.blocks.system import Secret

    if sandbox.shop_platform != "shopify":
        say(f"{sandbox.row.title} sends no notifications the hub reads: polling only")
        return None
    Secret(value=WEBHOOK_SECRET).save(secret_block_name(sandbox.shopify.shop), overwrite=True)
    port = free_port()
    proc = prefect.spawn("webhooks", [sys.executable, "-m", "ordersync.cli", "webhooks",
                                      "serve", "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the webhook receiver exited; see {prefect.home}/logs/"
                               "webhooks.log")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the webhook receiver did not start in 60 s")
        time.sleep(0.3)
    with shopify_client(sandbox.shopify_url, SHOP_TOKEN) as client:
        topics = register_shopify(client, f"{url}/webhooks/shopify")
    say(f"notifications: receiver at {url}, Shopify subscribed to {', '.join(topics)}; a "
        "fulfilment or cancellation runs the connection's order-sync at once (the schedule "
        "stays as the safety net)")
    return proc
