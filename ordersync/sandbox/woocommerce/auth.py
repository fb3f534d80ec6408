"""The twin's REST authentication, as ``WC_REST_Authentication`` (WooCommerce core) does it.

- ``is_ssl()`` (WordPress): the connection itself is TLS. ``X-Forwarded-Proto`` is not trusted
  (WordPress ignores it unless wp-config says otherwise); uvicorn rewrites the ASGI scheme from
  that header for local clients, so a request carrying it counts as plain http here.
- Over https, HTTP Basic first (``consumer_key``/``consumer_secret`` query parameters win over
  the Authorization header): an unknown key is silently no login, a known key with a wrong
  secret is 401 ``woocommerce_rest_authentication_error`` "Consumer secret is invalid.".
- Then (any scheme) OAuth 1.0a one-legged from the query string, the form body and an
  ``Authorization: OAuth`` header: some but not all of the five parameters -> 401
  ``woocommerce_rest_authentication_missing_parameter``; unknown key, wrong signature method,
  wrong signature, timestamp outside 15 minutes, reused nonce -> 401
  ``woocommerce_rest_authentication_error`` with WooCommerce's messages. The signature base
  string uses the *site* URL (scheme by ``is_ssl()``) and the request path, parameters sorted
  by raw name and encoded with ``rawurlencode`` (written apart from the connector's signer on
  purpose, after the PHP, so the two cannot share a mistake). PHP's renaming of query names
  (``a.b`` -> ``a_b``, ``a[]`` arrays) is not reproduced; a repeated name keeps its last value.
- Used nonces are kept per key as WooCommerce does, keyed by timestamp (a later nonce in the
  same second replaces the earlier one) and forgotten after the window.
- No credentials at all: not an error here; the endpoint then refuses the anonymous user
  (``woocommerce_rest_cannot_view`` and friends, see ``twin``).
- A key's permissions (read, write, read_write) are checked per method afterwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, unquote_plus

from ordersync.sandbox.woocommerce.store import WooError

VALID_WINDOW = 15 * 60
OAUTH_PARAMS = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
                "oauth_signature_method")
HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')
READ, WRITE = frozenset({"GET", "HEAD"}), frozenset({"POST", "PUT", "PATCH", "DELETE"})
HASHES = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}


@dataclass
class ApiKey:
    """One REST API key: its secret, permissions and the nonces it used recently."""

    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    nonces: dict[float, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Incoming:
    """What authentication reads from a request (PHP's ``$_SERVER``, ``$_GET``, ``$_POST``)."""

    method: str
    path: str  # raw, as on the wire, without the query
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    authorization: str
    https: bool


def _error(message: str, code: str = "woocommerce_rest_authentication_error") -> WooError:
    return WooError(401, code, message)


def _php_array(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``$_GET``/``$_POST``: a repeated name keeps its last value."""
    return dict(pairs)


def _empty(value: str | None) -> bool:
    return value in (None, "", "0")  # PHP empty()


def _basic_credentials(incoming: Incoming) -> tuple[str, str]:
    query = _php_array(incoming.query)
    if not _empty(query.get("consumer_key")) and not _empty(query.get("consumer_secret")):
        return query["consumer_key"], query["consumer_secret"]
    header = incoming.authorization
    if header[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(
                ":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        if not _empty(user) and not _empty(password):
            return user, password
    return "", ""


def wc_rest_urlencode_rfc3986(value: str) -> str:
    """WooCommerce's ``wc_rest_urlencode_rfc3986``: ``rawurlencode``, then ``+`` -> space and
    ``%7E`` -> ``~`` (no-ops on rawurlencode's output, kept for the letter of it)."""
    return quote(value, safe="-._~").replace("+", " ").replace("%7E", "~")


def string_to_sign(method: str, url: str, params: Mapping[str, str]) -> str:
    """``check_oauth_signature``'s string: parameters ``uksort``ed by raw name (strcmp),
    names and values normalised, each ``name=value`` encoded again, joined with ``%26``."""
    ordered = sorted(params.items(), key=lambda item: item[0].encode())
    normalised = [(wc_rest_urlencode_rfc3986(k), wc_rest_urlencode_rfc3986(v))
                  for k, v in ordered]
    joined = "%26".join(wc_rest_urlencode_rfc3986(f"{k}={v}") for k, v in normalised)
    return f"{method.upper()}&{quote(url, safe='-._~')}&{joined}"


def _header_params(header: str) -> dict[str, str]:
    """``WC_REST_Authentication::parse_header`` (values ``urldecode``d)."""
    header = header.strip()
    if not header.startswith("OAuth "):
        return {}
    return {name: unquote_plus(quoted or bare)
            for name, _, quoted, bare in HEADER_PARAM.findall(header)}


class Authenticator:
    """Checks requests against the site's API keys with the site's clock."""

    def __init__(self, keys: Mapping[str, ApiKey], clock: Callable[[], float]) -> None:
        self.keys, self.clock = keys, clock

    def authenticate(self, incoming: Incoming, site: str) -> ApiKey | None:
        """The key the request authenticates as, None for an anonymous request; raises the
        401 ``WooError`` WooCommerce answers. ``site`` is the site URL (scheme://host[:port])."""
        error: WooError | None = None
        user: ApiKey | None = None
        if incoming.https:
            key, secret = _basic_credentials(incoming)
            found = self.keys.get(key) if key else None
            if found is not None:
                if hmac.compare_digest(found.consumer_secret.encode(), secret.encode()):
                    user = found
                else:
                    error = _error("Consumer secret is invalid.")
        if user is None:
            try:
                user = self._oauth(incoming, site)
            except WooError as exc:
                error = exc
        if error is not None:
            raise error
        if user is not None:
            self._permissions(user, incoming.method)
        return user

    def _oauth(self, incoming: Incoming, site: str) -> ApiKey | None:
        params = {**_php_array(incoming.query), **_php_array(incoming.form),
                  **_header_params(incoming.authorization)}
        missing = [name for name in OAUTH_PARAMS if _empty(params.get(name))]
        if len(missing) == len(OAUTH_PARAMS):
            return None
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            raise _error(f"Missing OAuth {noun} {', '.join(missing)}",
                         "woocommerce_rest_authentication_missing_parameter")
        user = self.keys.get(params["oauth_consumer_key"])
        if user is None:
            raise _error("Consumer key is invalid.")
        self._check_signature(user, incoming, params, site)
        self._check_timestamp_and_nonce(user, params["oauth_timestamp"], params["oauth_nonce"])
        return user

    @staticmethod
    def _check_signature(user: ApiKey, incoming: Incoming, params: dict[str, str],
                         site: str) -> None:
        scheme = "https" if incoming.https else "http"
        url = f"{scheme}://{site.split('://', 1)[-1].rstrip('/')}{incoming.path}"
        given = unquote(params.pop("oauth_signature").replace(" ", "+"))
        text = string_to_sign(incoming.method, url, params)
        method = params["oauth_signature_method"]
        if method not in HASHES:
            raise _error("Invalid signature - signature method is invalid.")
        key = f"{user.consumer_secret}&".encode()
        expected = base64.b64encode(hmac.new(key, text.encode(), HASHES[method]).digest())
        if not hmac.compare_digest(expected, given.encode()):
            raise _error("Invalid signature - provided signature does not match.")

    def _check_timestamp_and_nonce(self, user: ApiKey, timestamp: str, nonce: str) -> None:
        now = int(self.clock())
        try:
            stamp = float(timestamp)  # PHP compares the string numerically
        except ValueError:
            raise _error("Invalid timestamp.") from None
        if not math.isfinite(stamp) or not now - VALID_WINDOW <= stamp <= now + VALID_WINDOW:
            raise _error("Invalid timestamp.")
        if nonce in user.nonces.values():
            raise _error("Invalid nonce - nonce has already been used.")
        user.nonces[stamp] = nonce
        for old in [t for t in user.nonces if t < now - VALID_WINDOW]:
            del user.nonces[old]

    @staticmethod
    def _permissions(user: ApiKey, method: str) -> None:
        if method in READ and user.permissions not in ("read", "read_write"):
            raise _error("The API key provided does not have read permissions.")
        if method in WRITE and user.permissions not in ("write", "read_write"):
            raise _error("The API key provided does not have write permissions.")
        if method not in READ | WRITE | {"OPTIONS"}:
            raise _error("Unknown request method.")


def form_pairs(content_type: str, body: bytes) -> tuple[tuple[str, str], ...]:
    """``$_POST`` of a urlencoded form body (empty for JSON and anything else)."""
    if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        return ()
    return tuple(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
