"""Per-order isolation for the loop's steps, and the one error that stops a run on purpose.

One order's unexpected exception never stops the others: the order goes to ``error`` with
``internal_error`` and a message scrubbed of anything secret-looking. A refused credential
(401/403) is not the order's fault but the connection's: the run stops with
``ConnectionAuthFailed``, naming the connection and what to fix.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from ordersync.http import AuthError

if TYPE_CHECKING:
    from ordersync.order_loop.context import SyncContext

log = logging.getLogger("ordersync.order_loop")

MAX_MESSAGE = 1000
_URL_QUERY = re.compile(r"(https?://[^\s?#]+)\?\S*")
_SECRET_VALUE = re.compile(  # key=value, key: value, "key": "value"
    r"(?i)\b(access[_-]?token|refresh[_-]?token|client[_-]?secret|consumer[_-]?secret|"
    r"consumer[_-]?key|api[_-]?key|token|secret|password|authorization)"
    r"(['\"]?\s*[=:]\s*['\"]?)([^\s&,;'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_TOKEN_LIKE = re.compile(  # Shopify, WooCommerce and Amazon credential formats
    r"\b(?:shp(?:at|ca|pa|ss)_|ck_|cs_)[A-Za-z0-9]{6,}|\bAtzr\|[A-Za-z0-9|_-]{6,}"
)


class ConnectionAuthFailed(RuntimeError):
    """A platform refused the connection's credentials: the run stops (not retried), the
    orders stay where they were for the next run."""

    def __init__(self, connection: str, exc: AuthError) -> None:
        platform = exc.platform or "the platform"
        super().__init__(
            f"connection {connection!r}: {platform} refused its credentials "
            f"({safe_message(exc, with_type=False)}). The {platform} credentials of this "
            f"connection are wrong, expired or lack a permission: fix them in the connection's "
            f"block, then run again. No order was changed because of this."
        )
        self.connection, self.platform, self.status = connection, exc.platform, exc.status


def safe_message(exc: BaseException, *, with_type: bool = True) -> str:
    """The exception as text for the order's error, the event log and the run log: no query
    strings, no secret-looking values, bounded length."""
    text = str(exc)
    if with_type:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    text = _URL_QUERY.sub(r"\1?...", text)
    text = _BEARER.sub(r"\1 ***", text)
    text = _SECRET_VALUE.sub(r"\1\2***", text)
    text = _TOKEN_LIKE.sub("***", text)
    return text[:MAX_MESSAGE]


def auth_failed(ctx: SyncContext, exc: AuthError) -> ConnectionAuthFailed:
    """The error to raise (``from None``) when a platform refuses the credentials."""
    error = ConnectionAuthFailed(ctx.settings.name, exc)
    log.error("%s", error)
    return error


def order_failed(
    ctx: SyncContext, order_id: int, external_id: str, action: str | None, exc: Exception
) -> None:
    """Record one order's unexpected exception: ``internal_error`` on the order (a claimed
    intent is kept for a look-up before any new write), logged; the caller goes on."""
    message = safe_message(exc)
    status = ctx.store.fail_unexpected(order_id, action, message=message, now=ctx.clock())
    log.error(
        "connection %s: order %s (%s) failed unexpectedly%s and is now %s: %s",
        ctx.settings.name,
        external_id,
        order_id,
        f" during {action}" if action else "",
        status,
        message,
    )
