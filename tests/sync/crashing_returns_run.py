"""Run the returns step (refund mode) in a separate process, killed by the tests mid-write.

    python -m tests.sync.crashing_returns_run BOLCOM_URL SHOPIFY_URL DATABASE_URL
"""

import sys

from ordersync.order_loop.returns import sync_returns
from tests.sync.crashing_run import context


def main(bolcom_url: str, shopify_url: str, database_url: str) -> None:
    ctx = context(bolcom_url, shopify_url, database_url, returns="refund")
    print("ready", flush=True)
    sync_returns(ctx)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
