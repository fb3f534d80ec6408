"""Synthetic order history for the scale benchmarks and the index test (PostgreSQL only).

Rows are made by the server itself (``INSERT ... SELECT FROM generate_series``), so a million
orders load in about a minute: finished orders (90 % shipped and confirmed, 10 % cancelled)
spread over the past two years, each with one line, two events and its two done intents -
what the hub keeps of an order it handled (cancelled ones were created in the webshop and
cancelled on the marketplace).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

FIRST_ID = 100_000_000  # above the sequence's ids: history rows never collide with live ones
SPAN_DAYS = 730

_ORDERS = """
INSERT INTO orders (id, platform, account, external_id, status, placed_at, currency, total,
    test, webshop_platform, webshop_account, webshop_order_id, shipped_at, tracking_number,
    carrier, carrier_code, marketplace_confirmed_at, created_at, updated_at)
SELECT :first + g, :platform, :account, 'H' || g,
    CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'shipped' END,
    t, 'EUR', 19.95 + g % 100, false, :webshop_platform, :webshop_account, 'W' || g,
    CASE WHEN g % 10 = 0 THEN NULL ELSE t + interval '1 day' END,
    CASE WHEN g % 10 = 0 THEN NULL ELSE '3SHIST' || g END,
    CASE WHEN g % 10 = 0 THEN NULL ELSE 'postnl' END,
    CASE WHEN g % 10 = 0 THEN NULL ELSE 'TNT' END,
    CASE WHEN g % 10 = 0 AND :legacy THEN NULL ELSE t + interval '1 day' END,
    t, t + interval '1 day'
FROM generate_series(:start, :stop - 1) AS g,
     LATERAL (SELECT CAST(:now AS timestamptz) - interval '3 days'
              - (:span * interval '1 day') * (1 - g::float8 / :total) AS t) AS at
"""
_LINES = """
INSERT INTO order_lines (order_id, line_id, sku, ean, title, quantity, unit_price)
SELECT :first + g, '1', 'SKU-' || g % 500, '87' || lpad((g % 500)::text, 11, '0'),
       'Product ' || g % 500, 1 + g % 3, 19.95
FROM generate_series(:start, :stop - 1) AS g
"""
_EVENTS = """
INSERT INTO order_events (order_id, at, level, kind, message)
SELECT o.id, CASE WHEN k = 0 THEN o.created_at ELSE o.updated_at END, 'info',
       CASE WHEN k = 0 THEN 'imported' ELSE o.status END,
       CASE WHEN k = 0 THEN 'imported' ELSE o.status END
FROM orders o, generate_series(0, 1) AS k
WHERE o.id >= :first + :start AND o.id < :first + :stop
ORDER BY o.id, k
"""
_WRITES = """
INSERT INTO remote_writes (order_id, action, state, attempts, remote_ref, created_at,
    updated_at)
SELECT o.id, a.action, 'done', 1, 'ref-' || o.id, o.created_at, o.updated_at
FROM orders o, LATERAL (VALUES ('create_in_webshop'),
    (CASE WHEN o.status = 'cancelled' THEN 'cancel_on_marketplace'
          ELSE 'confirm_shipment' END)) AS a(action)
WHERE o.id >= :first + :start AND o.id < :first + :stop
"""


def load_history(engine: Engine, *, start: int, stop: int, total: int, now: datetime,
                 platform: str, account: str, webshop_platform: str,
                 webshop_account: str, legacy: bool = False) -> int:
    """Add historical orders number ``start`` .. ``stop - 1`` (of ``total``, which sets how
    they spread over time); returns how many were added. ``legacy``: cancelled orders as the
    hub left them before migration 0005 (``marketplace_confirmed_at`` empty)."""
    if stop <= start:
        return 0
    params = {"first": FIRST_ID, "start": start, "stop": stop, "total": max(total, 1),
              "now": now, "span": SPAN_DAYS, "platform": platform, "account": account,
              "webshop_platform": webshop_platform, "webshop_account": webshop_account,
              "legacy": legacy}
    with engine.begin() as conn:
        for sql in (_ORDERS, _LINES, _EVENTS, _WRITES):
            conn.execute(text(sql), params)
    return stop - start
