"""Run order_sync cycles in a separate process that SIGKILLs itself at a chosen point.

    python -m tests.chaos.sync_process MARKETPLACES SHOP MARKETPLACE_URLS SHOP_URL \
        DATABASE_URL KILL_AT PHASE CYCLES

``MARKETPLACES`` and ``MARKETPLACE_URLS`` are comma-separated: one order connection per
marketplace into the one webshop, run one after the other in each cycle.

``KILL_AT`` counts the process's HTTP requests (1-based, token requests included; 0: never);
``PHASE`` ``before``: killed before that request is sent (after whatever was committed
before it), ``after``: killed once the platform has answered it, before the hub can record
the answer - the classic lost acknowledgement. Prints one JSON line of counts per cycle, and
``{"requests": N}`` when it was not killed.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import httpx

from ordersync import order_loop as sync
from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.order_loop.cancellations import cancel_from_marketplace
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID
from ordersync.sandbox.stack import (
    AMZ_CLIENT_ID,
    AMZ_CLIENT_SECRET,
    AMZ_REFRESH,
    BOL_CLIENT_ID,
    BOL_CLIENT_SECRET,
)
from ordersync.sandbox.webshops import webshop as registry_row
from ordersync.store import Store
from tests.chaos.world import settings

SEEN = [0]  # HTTP requests this process sent


def arm(kill_at: int, phase: str) -> None:
    """Count requests; make the ``kill_at``-th its last (SIGKILL, no cleanup; 0: never)."""
    original = httpx.HTTPTransport.handle_request
    seen = SEEN

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen[0] += 1
        if seen[0] == kill_at and phase == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        response = original(self, request)
        if seen[0] == kill_at:
            response.read()  # the platform has answered; the hub never hears it
            os.kill(os.getpid(), signal.SIGKILL)
        return response

    httpx.HTTPTransport.handle_request = handle  # type: ignore[method-assign]


def context(marketplace: str, shop: str, mp_url: str, shop_url: str,
            database_url: str) -> sync.SyncContext:
    if marketplace == "amazon":
        mp = AmazonConnector(client_id=AMZ_CLIENT_ID, client_secret=AMZ_CLIENT_SECRET,
                             refresh_token=AMZ_REFRESH, seller_id=SELLER_ID,
                             marketplace_id=MARKETPLACE_ID, account="sandbox", api_url=mp_url,
                             token_url=f"{mp_url}/auth/o2/token", rate_limits=False)
    else:
        mp = BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                             account="sandbox", api_url=mp_url, login_url=mp_url,
                             rate_limits=False)
    webshop = registry_row(shop).connector(shop_url, False)
    return sync.SyncContext(store=Store(database_url), marketplace=mp, webshop=webshop,
                            settings=settings())


def main(marketplaces: str, shop: str, mp_urls: str, shop_url: str, database_url: str,
         kill_at: str, phase: str, cycles: str) -> None:
    contexts = [context(mp, shop, url, shop_url, database_url)
                for mp, url in zip(marketplaces.split(","), mp_urls.split(","), strict=True)]
    arm(int(kill_at), phase)
    for _ in range(int(cycles)):
        for ctx in contexts:
            result = sync.StepResult()
            for step in (sync.import_orders, cancel_from_marketplace, sync.create_in_webshop,
                         sync.detect_webshop_changes, sync.sweep_waiting,
                         sync.push_to_marketplace):
                result.merge(step(ctx))
            print(json.dumps(result.counts), flush=True)
    print(json.dumps({"requests": SEEN[0]}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:9])
