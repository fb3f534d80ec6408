"""ApiClient builds each request itself (not through ``httpx.Client.request``) and keeps no
cookies: the request on the wire must be the one httpx would have built."""

import httpx
import pytest

from ordersync.http import ApiClient

BASES = ["https://api.example", "https://api.example/", "https://shop.example/admin/api/2025-01"]
CALLS = [
    ("GET", "/orders", {}),
    ("GET", "orders/12.json", {"params": {"status": "any", "limit": 250}}),
    ("GET", "/orders?fields=id", {"params": {"page_info": "a b/c"}}),
    ("POST", "/orders", {"json": {"order": {"name": "Zoë", "lines": [1, 2]}}}),
    ("PUT", "/offers/7", {"content": b"<xml/>", "headers": {"Content-Type": "text/xml"}}),
    ("GET", "/x", {"headers": {"Accept": "text/csv", "X-Extra": "1"}}),
    ("GET", "https://uploads.example/doc/1?sig=abc", {}),
    ("GET", "/redirect?to=https://elsewhere.example/x", {}),
    ("GET", "/offers/a b%2Fc", {}),
]


def wire(base, method, path, kw, *, through):
    """The request as the transport receives it, sent by ApiClient or by plain httpx."""
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    headers = {"Accept": "application/json", "X-Key": "k"}
    if through == "httpx":
        with httpx.Client(base_url=base, headers=headers, timeout=12.0,
                          transport=httpx.MockTransport(handler)) as plain:
            plain.request(method, path, **kw)
    else:
        with ApiClient(base, platform="test", headers=headers, timeout=12.0,
                       transport=httpx.MockTransport(handler)) as api:
            api.request(method, path, **kw)
    (request,) = seen
    return request


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("method,path,kw", CALLS)
def test_the_request_is_the_one_httpx_builds(base, method, path, kw):
    ours = wire(base, method, path, kw, through="ours")
    theirs = wire(base, method, path, kw, through="httpx")
    assert ours.method == theirs.method
    assert str(ours.url) == str(theirs.url)
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.read() == theirs.read()
    assert ours.extensions["timeout"] == theirs.extensions["timeout"]


def test_a_cookie_the_platform_sets_is_not_sent_back():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc; Path=/"})

    with ApiClient("https://api.example", platform="test",
                   transport=httpx.MockTransport(handler)) as api:
        api.request("GET", "/a")
        api.request("GET", "/b")
    assert [r.headers.get("Cookie") for r in seen] == [None, None]
