"""WooCommerce REST authentication as an ``httpx.Auth``: HTTP Basic over https, OAuth 1.0a
"one-legged" over plain http, as ``WC_REST_Authentication`` accepts them (WooCommerce refuses
Basic over http; see shared/specs/woocommerce/authentication.md).

The OAuth signature is built the way WooCommerce checks it (``check_oauth_signature``): the
parameters are the request's query parameters plus ``oauth_consumer_key``, ``oauth_nonce``,
``oauth_signature_method`` and ``oauth_timestamp`` (no ``oauth_version``, no token), sorted by
their raw name (PHP ``uksort(..., 'strcmp')``), each name and value percent-encoded per
RFC 3986 (``rawurlencode``), ``name=value`` encoded again and joined with ``%26``; the base
string is ``METHOD&encoded(url)&that``, the key ``consumer_secret&``. The parameters go in the
query string (WooCommerce reads them from ``$_GET``). Written here rather than taken from
oauthlib/authlib: those follow RFC 5849 (sort by encoded name *and value*, sign repeated names
twice, add ``oauth_version``) where PHP keeps only the last of a repeated name and WooCommerce
sorts by raw name; the WooCommerce variant is these few lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from urllib.parse import parse_qsl, quote

import httpx

METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}


def rawurlencode(value: str) -> str:
    """PHP's ``rawurlencode`` (RFC 3986: everything but ``A-Za-z0-9-._~``), UTF-8."""
    return quote(value, safe="-._~")


def base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """The signature base string WooCommerce builds for ``url`` (scheme, host, path; no query)
    and the request's parameters (``oauth_signature`` left out)."""
    pairs = sorted(params.items(), key=lambda item: item[0].encode())  # strcmp on raw names
    joined = "%26".join(rawurlencode(f"{rawurlencode(k)}={rawurlencode(v)}") for k, v in pairs)
    return f"{method.upper()}&{rawurlencode(url)}&{joined}"


def signature(base: str, consumer_secret: str, method: str = "HMAC-SHA256") -> str:
    """base64 HMAC of the base string with the key ``consumer_secret&``."""
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), METHODS[method]).digest()
    return base64.b64encode(digest).decode()


def _signable(query: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Query parameters as PHP's ``$_GET`` holds them; names PHP would rewrite or merge
    (repeated, ``[]`` arrays, ``.`` or spaces) cannot be signed the same way: refused."""
    params: dict[str, str] = {}
    for name, value in query:
        if name in params or any(c in name for c in "[]. "):
            raise ValueError(f"woocommerce: query parameter {name!r} cannot be OAuth-signed "
                             "as WooCommerce reads it (repeated or PHP-mangled name)")
        params[name] = value
    return params


class WooAuth(httpx.Auth):
    """Basic auth on https URLs, OAuth 1.0a query-string signing on http URLs."""

    def __init__(self, consumer_key: str, consumer_secret: str, *,
                 clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = lambda: secrets.token_hex(16),
                 method: str = "HMAC-SHA256") -> None:
        """``clock`` gives the epoch seconds of ``oauth_timestamp`` (WooCommerce allows
        15 minutes of skew); ``nonce`` a fresh 32-character value per request."""
        if method not in METHODS:
            raise ValueError(f"woocommerce: signature method {method!r} is not one of "
                             f"{', '.join(METHODS)}")
        self._key, self._secret = consumer_key, consumer_secret
        self._basic = httpx.BasicAuth(consumer_key, consumer_secret)
        self._clock, self._nonce, self._method = clock, nonce, method

    def __repr__(self) -> str:
        return f"WooAuth(consumer_key={self._key!r}, method={self._method!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.scheme == "https":
            yield from self._basic.auth_flow(request)
            return
        self.sign(request)
        yield request

    def sign(self, request: httpx.Request) -> None:
        """Add the ``oauth_*`` query parameters to a plain-http request."""
        query = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
        params = _signable(query)
        oauth = {"oauth_consumer_key": self._key, "oauth_nonce": self._nonce(),
                 "oauth_signature_method": self._method,
                 "oauth_timestamp": str(int(self._clock()))}
        clash = sorted(set(oauth) & set(params))
        if clash:
            raise ValueError(f"woocommerce: the request already carries {', '.join(clash)}")
        url = request.url
        path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        port = f":{url.port}" if url.port is not None else ""
        site = f"{url.scheme}://{url.host}{port}{path}"
        oauth["oauth_signature"] = signature(
            base_string(request.method, site, {**params, **oauth}), self._secret, self._method)
        request.url = url.copy_merge_params(oauth)
