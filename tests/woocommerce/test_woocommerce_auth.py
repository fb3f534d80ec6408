"""Authentication as WooCommerce's ``WC_REST_Authentication`` does it (shared/specs/woocommerce/
authentication.md): HTTP Basic only over https, OAuth 1.0a one-legged over http, and the exact
401 codes and messages. The twin is checked with an independent OAuth client (oauthlib), the
connector against the twin over plain http and over real TLS."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.connectors.woocommerce.auth import WooAuth
from ordersync.http import AuthError
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.woocommerce import WooCommerceTwin
from tests.woocommerce.helpers import KEY, SECRET, FakeClock, signed
from tests.woocommerce.tls import ServedTLS

oauth1 = pytest.importorskip("oauthlib.oauth1")
ORDERS = "/wp-json/wc/v3/orders"


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["data"]["status"] == response.status_code
    return response.status_code, body["code"], body["message"]


def _oauthlib(url: str, clock: FakeClock, *, method: str = "GET", secret: str = SECRET,
              key: str = KEY, signature: str = "HMAC-SHA256", nonce: str | None = None) -> str:
    """``url`` signed by oauthlib (RFC 5849 client; query-string signature)."""
    client = oauth1.Client(key, client_secret=secret, signature_method=signature,
                           signature_type=oauth1.SIGNATURE_TYPE_QUERY,
                           timestamp=str(int(clock())), nonce=nonce)
    signed_url, _, _ = client.sign(url, http_method=method)
    return signed_url


# -- plain http: OAuth 1.0a only ---------------------------------------------------------------

def test_basic_auth_over_plain_http_is_refused_like_woocommerce(served):
    """WooCommerce skips Basic (and consumer_key/consumer_secret in the query) unless
    ``is_ssl()``: the request is anonymous and the endpoint refuses it."""
    basic = httpx.get(f"{served.url}{ORDERS}", auth=(KEY, SECRET))
    assert _error(basic) == (401, "woocommerce_rest_cannot_view",
                             "Sorry, you cannot list resources.")
    query = httpx.get(f"{served.url}{ORDERS}",
                      params={"consumer_key": KEY, "consumer_secret": SECRET})
    assert _error(query)[1] == "woocommerce_rest_cannot_view"


def test_forwarded_proto_is_not_trusted(served):
    """uvicorn rewrites the ASGI scheme from X-Forwarded-Proto; WordPress's is_ssl() does not
    look at it, so Basic stays refused on a plain connection."""
    response = httpx.get(f"{served.url}{ORDERS}", auth=(KEY, SECRET),
                         headers={"X-Forwarded-Proto": "https"})
    assert _error(response)[1] == "woocommerce_rest_cannot_view"


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_an_independent_oauth_client_is_accepted(served, twin, clock, method):
    twin.add_product("Tee", "TEE-1")
    url = f"{served.url}/wp-json/wc/v3/products?per_page=5&orderby=id&order=asc"
    response = httpx.get(_oauthlib(url, clock, signature=method))
    assert response.status_code == 200, response.text
    assert [p["sku"] for p in response.json()] == ["TEE-1"]


def test_oauth_in_the_authorization_header_is_accepted(served, clock):
    """WooCommerce 3.0+ also reads the OAuth parameters from ``Authorization: OAuth ...``."""
    client = oauth1.Client(KEY, client_secret=SECRET, signature_method="HMAC-SHA1",
                           signature_type=oauth1.SIGNATURE_TYPE_AUTH_HEADER,
                           timestamp=str(int(clock())))
    url, headers, _ = client.sign(f"{served.url}{ORDERS}?per_page=3", http_method="GET")
    assert headers["Authorization"].startswith("OAuth ")
    assert httpx.get(url, headers=headers).status_code == 200


def test_the_connector_signs_what_the_twin_verifies(served, twin, clock):
    seen: list[httpx.Request] = []
    auth = signed(twin)
    with httpx.Client(event_hooks={"request": [seen.append]}) as client:
        response = client.get(f"{served.url}{ORDERS}", params={"status": "any", "after":
                              "2026-11-22T11:00:00", "search": "a b+c~d"}, auth=auth)
    assert response.status_code == 200, response.text
    [request] = seen
    query = dict(parse_qsl(urlsplit(str(request.url)).query))
    assert {"oauth_consumer_key", "oauth_nonce", "oauth_signature", "oauth_signature_method",
            "oauth_timestamp"} <= set(query) and "oauth_version" not in query
    assert query["oauth_consumer_key"] == KEY and len(query["oauth_nonce"]) == 32
    assert "authorization" not in request.headers
    assert SECRET not in str(request.url)


def test_oauth_errors_have_woocommerces_codes_and_messages(served, twin, clock):
    url = f"{served.url}{ORDERS}?per_page=1"
    wrong = httpx.get(_oauthlib(url, clock, secret="cs_wrong"))
    assert _error(wrong) == (401, "woocommerce_rest_authentication_error",
                             "Invalid signature - provided signature does not match.")
    unknown = httpx.get(_oauthlib(url, clock, key="ck_unknown"))
    assert _error(unknown) == (401, "woocommerce_rest_authentication_error",
                               "Consumer key is invalid.")
    partial = httpx.get(url, params={"oauth_consumer_key": KEY, "oauth_timestamp": "1"})
    assert _error(partial) == (
        401, "woocommerce_rest_authentication_missing_parameter",
        "Missing OAuth parameters oauth_nonce, oauth_signature, oauth_signature_method")
    plaintext = httpx.get(_oauthlib(url, clock, signature="PLAINTEXT"))
    assert _error(plaintext) == (401, "woocommerce_rest_authentication_error",
                                 "Invalid signature - signature method is invalid.")
    stale = _oauthlib(url, clock)
    clock.advance(15 * 60 + 1)
    assert _error(httpx.get(stale)) == (401, "woocommerce_rest_authentication_error",
                                        "Invalid timestamp.")
    fresh = _oauthlib(url, clock, nonce="n" * 32)
    assert httpx.get(fresh).status_code == 200
    assert _error(httpx.get(fresh)) == (401, "woocommerce_rest_authentication_error",
                                        "Invalid nonce - nonce has already been used.")


def test_used_nonces_are_forgotten_as_woocommerce_forgets_them(served, twin, clock):
    """WooCommerce checks a nonce against the stored ones *before* pruning those older than
    the window (the prune runs after a successful check), and stores them by timestamp."""
    url = f"{served.url}{ORDERS}"
    assert httpx.get(_oauthlib(url, clock, nonce="x" * 32)).status_code == 200
    clock.advance(15 * 60 + 1)
    assert _error(httpx.get(_oauthlib(url, clock, nonce="x" * 32)))[2] == (
        "Invalid nonce - nonce has already been used.")
    assert httpx.get(_oauthlib(url, clock, nonce="y" * 32)).status_code == 200  # prunes "x"
    assert httpx.get(_oauthlib(url, clock, nonce="x" * 32)).status_code == 200


def test_anonymous_requests_get_the_endpoints_permission_error(served):
    cases = {
        ("GET", ORDERS): ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
        ("GET", f"{ORDERS}/5"): ("woocommerce_rest_cannot_view",
                                 "Sorry, you cannot view this resource."),
        ("GET", f"{ORDERS}/5/notes"): ("woocommerce_rest_cannot_view",
                                       "Sorry, you cannot list resources."),
        ("POST", ORDERS): ("woocommerce_rest_cannot_create",
                           "Sorry, you are not allowed to create resources."),
        ("PUT", f"{ORDERS}/5"): ("woocommerce_rest_cannot_edit",
                                 "Sorry, you are not allowed to edit this resource."),
    }
    for (method, path), (code, message) in cases.items():
        response = httpx.request(method, f"{served.url}{path}", json={})
        assert _error(response) == (401, code, message), (method, path)


def test_key_permissions_are_enforced(clock):
    twin = WooCommerceTwin({KEY: SECRET, "ck_read": "cs_read"}, clock=clock,
                           permissions={"ck_read": "read"})
    with ServedApp(twin.app) as served:
        auth = WooAuth("ck_read", "cs_read", clock=clock)
        assert httpx.get(f"{served.url}{ORDERS}", auth=auth).status_code == 200
        refused = httpx.post(f"{served.url}{ORDERS}", json={}, auth=auth)
    assert _error(refused) == (401, "woocommerce_rest_authentication_error",
                               "The API key provided does not have write permissions.")


def test_connector_with_a_wrong_secret_fails_without_leaking_it(served, clock):
    with WooCommerceConnector(url=served.url, consumer_key=KEY, consumer_secret="cs_wrong",
                              clock=clock) as conn, pytest.raises(AuthError) as err:
        conn.get_order("1")
    assert err.value.status == 401 and "cs_wrong" not in str(err.value)


# -- https: Basic (and OAuth) over TLS ----------------------------------------------------------

@pytest.fixture(scope="module")
def tls(twin: WooCommerceTwin, tmp_path_factory) -> Iterator[ServedTLS]:
    server = ServedTLS(twin.app, tmp_path_factory.mktemp("tls")).start()
    yield server
    server.stop()


def test_basic_auth_over_https_works_and_a_wrong_secret_is_an_authentication_error(tls, twin):
    twin.add_product("Tee", "TEE-1")
    ok = httpx.get(f"{tls.url}/wp-json/wc/v3/products", auth=(KEY, SECRET), verify=tls.verify)
    assert ok.status_code == 200 and [p["sku"] for p in ok.json()] == ["TEE-1"]
    query = httpx.get(f"{tls.url}/wp-json/wc/v3/products", verify=tls.verify,
                      params={"consumer_key": KEY, "consumer_secret": SECRET})
    assert query.status_code == 200
    wrong = httpx.get(f"{tls.url}{ORDERS}", auth=(KEY, "cs_wrong"), verify=tls.verify)
    assert _error(wrong) == (401, "woocommerce_rest_authentication_error",
                             "Consumer secret is invalid.")
    assert "www-authenticate" not in wrong.headers  # WooCommerce's auth_method is oauth1 by then
    unknown = httpx.get(f"{tls.url}{ORDERS}", auth=("ck_unknown", SECRET), verify=tls.verify)
    assert _error(unknown) == (401, "woocommerce_rest_cannot_view",
                               "Sorry, you cannot list resources.")


def test_oauth_signed_for_https_is_accepted_over_tls(tls, clock):
    assert httpx.get(_oauthlib(f"{tls.url}{ORDERS}", clock), verify=tls.verify).status_code \
        == 200


def test_connector_uses_basic_over_https(tls, twin, clock):
    twin.add_product("Tee", "TEE-1")
    transport = httpx.HTTPTransport(verify=tls.verify)
    with WooCommerceConnector(url=tls.url, consumer_key=KEY, consumer_secret=SECRET,
                              transport=transport, clock=clock) as conn:
        assert conn.product_ids(["TEE-1"]) == {"TEE-1": twin.store.products.popitem()[0]}
    assert twin.keys[KEY].nonces == {}  # no OAuth request was made


def test_the_connector_over_plain_http_against_a_wrong_site_url_fails(clock):
    """The signature covers the site URL WooCommerce knows (authentication.md: "use the store
    URL provided by the index"): a shop whose home URL is another host refuses it."""
    twin = WooCommerceTwin({KEY: SECRET}, clock=clock, site_url="http://shop.example")
    with ServedApp(twin.app) as served:
        refused = httpx.get(f"{served.url}{ORDERS}", auth=WooAuth(KEY, SECRET, clock=clock))
    assert _error(refused)[2] == "Invalid signature - provided signature does not match."


# -- Link headers --------------------------------------------------------------------------------

def test_link_headers_point_at_the_site(served, twin, clock):
    product = twin.add_product("Tee", "TEE-1")
    for _ in range(5):
        twin.place_order({"line_items": [{"product_id": product["id"]}]})
    first = httpx.get(f"{served.url}{ORDERS}", params={"per_page": 2}, auth=signed(twin))
    links = httpx.Response(200, headers={"Link": first.headers["Link"]}).links
    assert links["next"]["url"].startswith(f"{served.url}{ORDERS}?")
    following = dict(parse_qsl(urlsplit(links["next"]["url"]).query))
    assert following["page"] == "2" and following["per_page"] == "2"
    kept = {k: v for k, v in following.items() if not k.startswith("oauth_")}
    second = httpx.get(links["next"]["url"].split("?")[0], params=kept, auth=signed(twin))
    assert second.status_code == 200 and len(second.json()) == 2


def test_link_headers_use_the_configured_site_url(clock):
    twin = WooCommerceTwin({KEY: SECRET}, clock=clock, site_url="https://shop.example")
    twin.add_product("Tee", "TEE-1")
    for _ in range(3):
        twin.add_product("Cap", "CAP")
    with ServedApp(twin.app) as served:
        # the client signs with the site URL, connecting to the served port
        auth = WooAuth(KEY, SECRET, clock=clock)
        request = httpx.Request("GET", "http://shop.example/wp-json/wc/v3/products",
                                params={"per_page": 1})
        signed_request = next(auth.auth_flow(request))
        url = httpx.URL(served.url).copy_with(
            raw_path=signed_request.url.raw_path)
        response = httpx.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Link"].startswith("<http://shop.example/wp-json/wc/v3/products?")


def test_the_connector_auth_picks_basic_on_https_and_refuses_what_php_would_merge(clock):
    auth = WooAuth(KEY, SECRET, clock=clock)
    https = next(auth.auth_flow(httpx.Request("GET", "https://shop.example/wp-json/wc/v3/orders",
                                              params={"page": 2})))
    assert https.headers["authorization"].startswith("Basic ")
    assert "oauth_" not in str(https.url)
    with pytest.raises(ValueError, match="repeated or PHP-mangled"):
        next(auth.auth_flow(httpx.Request("GET", "http://shop.example/x?a=1&a=2")))
    with pytest.raises(ValueError, match="repeated or PHP-mangled"):
        next(auth.auth_flow(httpx.Request("GET", "http://shop.example/x?a[]=1")))
