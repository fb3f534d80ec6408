"""CartumConnector: orders of a Cartum (Horoshop) store for the hub's import."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.cartum import fields as f
from ordersync.connectors.cartum.mapping import format_date
from ordersync.connectors.cartum.shop_import import DEFAULT_LOOKBACK, CartumShopImport
from ordersync.http import ApiClient, ApiError, AuthError, RateLimiter, Unlimited, limiter_for
from ordersync.http.paging import Page, paginate

PAGE_LIMIT = 100
POLITE_RATE, POLITE_BURST = 2.0, 5  # no documented limit


class CartumError(ApiError):
    """An error status in Cartum's ``{status, response}`` envelope."""


class CartumConnector(CartumShopImport):
    """One Cartum store, logged in with an API user's login and password; also a
    ``ShopOrderSource`` (see ``shop_import``)."""

    platform = "cartum"

    def __init__(
        self,
        *,
        domain: str,
        login: str,
        password: str,
        base_url: str | None = None,
        utc_offset_hours: float = 2.0,
        rate_limits: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiter: RateLimiter | Unlimited | None = None,
        update_lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> None:
        """``utc_offset_hours`` is the store's timezone (dates are store-local);
        ``update_lookback`` how far back the ongoing poll re-reads orders."""
        if not login or not password:
            raise ValueError("cartum: a login and password are required")
        self.account = domain
        self.utc_offset = timedelta(hours=utc_offset_hours)
        self.update_lookback = update_lookback
        self._login, self._password, self._clock = login, password, clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0
        if limiter is None:
            limiter = (limiter_for(f"cartum:{domain}", POLITE_RATE, POLITE_BURST)
                       if rate_limits else Unlimited())
        self.client = ApiClient((base_url or f"https://{domain}").rstrip("/"),
                                platform=self.platform, limiter=limiter, transport=transport,
                                sleep=sleep, headers={"Accept": "application/json"})

    def __repr__(self) -> str:
        return f"CartumConnector(domain={self.account!r})"

    # -- envelope and token -------------------------------------------------------------

    def _send(self, function: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = self.client.request(method, f"/api/{function}/", json=body, expect=(401,),
                                       idempotent=function != f.ORDERS_UPDATE or None)
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise CartumError(f"{function}: not JSON", platform=self.platform,
                              status=response.status_code) from None

    @staticmethod
    def _message(envelope: dict[str, Any]) -> str:
        inner = envelope.get("response")
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("code") or "")[:300]
        return str(inner or "")[:300]

    def _auth(self) -> str:
        envelope = self._send(f.AUTH, {"login": self._login, "password": self._password})
        token = (envelope.get("response") or {}).get("token") \
            if isinstance(envelope.get("response"), dict) else None
        if envelope.get("status") != f.OK or not token:
            raise AuthError("auth refused", platform=self.platform,
                            detail=self._message(envelope))
        self._token, self._expires = token, self._clock() + f.TOKEN_TTL - 30
        self.tokens_fetched += 1
        return token

    def _token_now(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self._clock() >= self._expires:
                return self._auth()
            return self._token

    @staticmethod
    def _is_auth_failure(envelope: dict[str, Any]) -> bool:
        status = str(envelope.get("status") or "")
        if status in f.AUTH_STATUSES:
            return True
        inner = envelope.get("response")
        text = str(inner.get("message") if isinstance(inner, dict) else inner).lower()
        return status == "ERROR" and "token" in text

    def call(self, function: str, params: dict[str, Any], method: str = "POST",
             partial: bool = False) -> Any:
        """Call an API function; re-authenticates once on an invalid or expired token.
        Returns ``response`` of an OK (or EMPTY -> {}; with ``partial`` also WARNING)
        envelope, else raises CartumError."""
        token = self._token_now()
        envelope = self._send(function, {"token": token, **params}, method)
        if self._is_auth_failure(envelope):
            token = self._token_now(stale=token)
            envelope = self._send(function, {"token": token, **params}, method)
            if self._is_auth_failure(envelope):
                raise AuthError(f"{function}: token refused", platform=self.platform,
                                detail=self._message(envelope))
        status = envelope.get("status")
        if status == f.OK or (partial and status == f.WARNING):
            return envelope.get("response") or {}
        if status == f.EMPTY:
            return {}
        raise CartumError(f"{function}: {status}", platform=self.platform,
                          detail=self._message(envelope))

    # -- orders -------------------------------------------------------------------------

    def list_orders(
        self,
        *,
        since: datetime,
        until: datetime,
        statuses: Iterable[int] | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[list[dict[str, Any]]]:
        """Raw orders created between ``since`` and ``until``, page by page (offset/limit)."""
        params: dict[str, Any] = {"from": format_date(since, self.utc_offset),
                                  "to": format_date(until, self.utc_offset)}
        wanted = sorted(set(statuses or ()))
        if wanted:
            params["status"] = wanted[0] if len(wanted) == 1 else wanted

        def fetch(offset: int) -> Page[dict[str, Any], int]:
            response = self.call(f.ORDERS_GET, {**params, f.LIMIT: page_size, f.OFFSET: offset})
            orders = list(response.get("orders") or [])
            return Page(orders, offset + len(orders) if len(orders) >= page_size else None)

        for page in paginate(fetch, 0, platform="cartum", listing="orders/get"):
            if page:
                yield list(page)

    def get_orders(self, ids: Iterable[int | str]) -> list[dict[str, Any]]:
        wanted = [int(i) for i in ids]
        return list(self.call(f.ORDERS_GET, {"ids": wanted}).get("orders") or []) if wanted \
            else []

    def set_status(self, order_id: int | str, status: int | str) -> None:
        """``orders/update`` (*unverified* function; see ``fields``) to a status id or name
        (``"delivered"``). Setting the status an order already has is harmless."""
        ident = f.STATUS_IDS.get(status) if isinstance(status, str) else status
        if ident not in f.STATUSES:
            raise ValueError(f"cartum: unknown status {status!r}")
        body = self.call(f.ORDERS_UPDATE, {"orders": [{"order_id": int(order_id),
                                                        "status": ident}]},
                         method=f.UPDATE_METHOD, partial=True)
        for entry in (body.get("log") or []) if isinstance(body, dict) else []:
            if str(entry.get("order_id")) == str(order_id) and entry.get("code") != f.LOG_OK:
                raise CartumError(f"{f.ORDERS_UPDATE}: order {order_id} {entry.get('code')}",
                                  platform=self.platform, detail=str(entry.get("message")))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> CartumConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
