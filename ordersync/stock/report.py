"""What stock was sent where, when and why, as text (the ``ordersync stock`` command)."""

from __future__ import annotations

from typing import TextIO

from ordersync.store import Store
from ordersync.store.pending import PendingStore
from ordersync.store.stock import StockStore


def print_stock(store: Store, out: TextIO, *, marketplace: str | None = None,
                sku: str | None = None, limit: int = 20, reservations: bool = False) -> int:
    """The latest quantities sent (newest first) with their inputs and outcome, or the active
    reservations of pending orders."""
    if reservations:
        rows = PendingStore(store).reservations(marketplace)
        print(f"{len(rows)} active reservation line(s)", file=out)
        for r in rows:
            print(f"{r['since']:%Y-%m-%d %H:%M}  {r['platform']}:{r['account']} order "
                  f"{r['order']}  {r['quantity']} x {r['sku']}", file=out)
        return 0
    stock = StockStore(store)
    print("  ".join(f"{k}: {v}" for k, v in sorted(stock.update_states().items())) or
          "nothing sent yet", file=out)
    for r in stock.history(platform=marketplace, sku=sku, limit=limit):
        why = (f"webshop {r['webshop_stock']} - ordered {r['unimported']} - reserved "
               f"{r['reserved']}" + (" (capped)" if r["capped"] else ""))
        previous = "new" if r["previous"] is None else r["previous"]
        print(f"{r['at']:%Y-%m-%d %H:%M:%S}  {r['marketplace'] + ':' + r['account']:<20} "
              f"{r['sku']:<18} {previous!s:>5} -> {r['quantity']:<5} {why:<42} "
              f"{r['method']} {r['request'] or '-'}  {r['state']}"
              + (f": {r['message']}" if r["message"] and r["state"] != "done" else ""),
              file=out)
    return 0
