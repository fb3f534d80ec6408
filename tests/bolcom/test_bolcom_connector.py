"""BolcomConnector against the twin served on a real socket."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.base import MarketplaceConnector
from ordersync.http import AuthError, NotFound, UncertainWrite, ValidationError
from ordersync.orders import ErrorReason, Shipment, ShipmentLine
from tests.bolcom.conftest import CLIENT_ID, SECRET, make_connector

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def fault(served, **body) -> None:
    httpx.post(f"{served.url}/_sandbox/faults", json=body).raise_for_status()


def stats(served) -> dict:
    return httpx.get(f"{served.url}/_sandbox/stats").json()["by_path"]


def fetch_all(connector, known=lambda ids: set()):
    return list(connector.fetch_open_orders(known))


def test_is_a_marketplace_connector(connector) -> None:
    assert isinstance(connector, MarketplaceConnector) and connector.platform == "bolcom"


# -- auth -------------------------------------------------------------------------------

def test_token_is_fetched_once_and_reused(connector, twin) -> None:
    twin.place_order()
    fetch_all(connector)
    fetch_all(connector)
    assert twin.tokens_issued == 1 and connector.auth.tokens_fetched == 1


def test_token_refreshed_after_expiry(connector, twin, clock) -> None:
    order_id = twin.place_order()
    connector.is_shipped(order_id)
    clock.advance(300)  # past the 299 s lifetime
    connector.is_shipped(order_id)
    assert twin.tokens_issued == 2


def test_token_refreshed_on_401(connector, twin) -> None:
    order_id = twin.place_order()
    connector.is_shipped(order_id)
    twin.revoke_tokens()
    assert connector.is_shipped(order_id) is False
    assert twin.tokens_issued == 2


def test_bad_credentials_fail_without_leaking(served) -> None:
    conn = make_connector(served.url, secret="wrong-secret-123")
    with pytest.raises(AuthError) as info:
        fetch_all(conn)
    assert info.value.status == 401
    assert "wrong-secret-123" not in str(info.value) and "wrong-secret-123" not in repr(conn)
    assert "wrong-secret-123" not in repr(conn.auth)


# -- fetching -----------------------------------------------------------------------------

def test_pages_over_120_orders_fetching_details_of_unknown_ones(connector, twin, served) -> None:
    ids = [twin.place_order() for _ in range(120)]
    known_ids = set(ids[:30]) | {ids[70]}
    asked: list[list[str]] = []

    def known(batch):
        asked.append(list(batch))
        return known_ids & set(batch)

    batches = fetch_all(connector, known)
    assert [len(b.orders) for b in batches] == [20, 49, 20]
    assert [len(a) for a in asked] == [50, 50, 20]
    got = [o.external_id for b in batches for o in b.orders]
    assert got == [i for i in ids if i not in known_ids]
    by_path = stats(served)
    assert by_path["GET /retailer/orders"] == 3  # the short third page is the last
    assert by_path["GET /retailer/orders/{id}"] == 89


def test_maps_addresses_prices_and_quantities(connector, twin) -> None:
    order_id = twin.place_order(
        [{"ean": "8712345678906", "title": "Mug", "quantity": 3, "unitPrice": 12.99,
          "offerReference": "MUG-01", "offerId": "offer-mug"},
         {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.5}],
        orderPlacedDateTime="2024-03-01T10:15:00+01:00",
        shipmentDetails={"firstName": "Jan", "surname": "Peeters", "streetName": "Meir",
                         "houseNumber": "12", "houseNumberExtension": "A", "zipCode": "2000",
                         "city": "Antwerpen", "countryCode": "BE", "company": "Peeters BV",
                         "deliveryPhoneNumber": "0412345678"},
    )
    twin.stored_order(order_id)["orderItems"][0]["quantityCancelled"] = 1
    (batch,) = fetch_all(connector)
    (order,) = batch.orders
    assert order.external_id == order_id and order.account == "shop-nl"
    assert order.placed_at == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    mug, plate = order.lines
    assert (mug.quantity, mug.unit_price, mug.sku, mug.offer_id, mug.ean, mug.title) == (
        2, Decimal("12.99"), "MUG-01", "offer-mug", "8712345678906", "Mug")
    assert plate.unit_price == Decimal("7.50") and plate.sku is None
    assert order.total == Decimal("33.48")
    ship = order.shipping_address
    assert (ship.street, ship.house_number, ship.house_number_extension, ship.postal_code,
            ship.city, ship.country, ship.company, ship.phone) == (
        "Meir", "12", "A", "2000", "Antwerpen", "BE", "Peeters BV", "0412345678")
    assert order.billing_address is not None and order.billing_address.city == "Utrecht"


def test_malformed_order_is_quarantined_and_the_page_goes_on(connector, twin) -> None:
    good = [twin.place_order() for _ in range(3)]
    bad_address = twin.place_order()
    del twin.stored_order(bad_address)["shipmentDetails"]["zipCode"]
    bad_price = twin.place_order()
    twin.stored_order(bad_price)["orderItems"][0]["unitPrice"] = "twelve"
    (batch,) = fetch_all(connector)
    assert sorted(o.external_id for o in batch.orders) == sorted(good)
    reasons = {q.external_id: q for q in batch.rejected}
    assert reasons[bad_address].reason == ErrorReason.ADDRESS_PARSING
    assert "zipCode" in reasons[bad_address].message
    assert reasons[bad_price].reason == ErrorReason.PRICING
    assert reasons[bad_price].raw["orderId"] == bad_price


def test_buyer_cancellation_request_surfaces(connector, twin, served) -> None:
    known_id, new_id, quiet_id = twin.place_order(), twin.place_order(), twin.place_order()
    twin.request_cancellation(known_id)
    r = httpx.post(f"{served.url}/_sandbox/bolcom/orders/{new_id}/cancellation-request")
    assert r.status_code == 200 and r.json()["orderItems"][0]["cancellationRequest"] is True
    (batch,) = fetch_all(connector, lambda ids: {known_id, quiet_id} & set(ids))
    assert batch.cancellation_requests == (known_id,)
    (new,) = batch.orders
    assert new.external_id == new_id and new.cancellation_requested


# -- shipments ---------------------------------------------------------------------------

def ship(order, quantity=None, **kw) -> Shipment:
    lines = tuple(ShipmentLine(li.line_id, quantity or li.quantity) for li in order.lines)
    return Shipment(lines=lines, shipped_at=NOW, **kw)


def test_shipment_pending_then_success_and_shipped(connector, twin) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 2, "unitPrice": 1}])
    (order,) = fetch_all(connector)[0].orders
    receipt = connector.confirm_shipment(
        order.external_id, ship(order, tracking_number="3SBOL0987654321", carrier_code="TNT"))
    assert receipt.done is False and receipt.ref
    assert connector.process_status(receipt.ref).state == "pending"
    assert connector.process_status(receipt.ref).state == "success"
    assert connector.is_shipped(order.external_id) is True
    (row,) = twin.shipments_of(order.external_id)
    assert (row["orderItemId"], row["quantity"], row["transporterCode"], row["trackAndTrace"]) == (
        order.lines[0].line_id, 2, "TNT", "3SBOL0987654321")
    assert fetch_all(connector) == []  # no longer OPEN


def test_shipment_without_tracking_and_partial(connector, twin, served) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 3, "unitPrice": 1}])
    (order,) = fetch_all(connector)[0].orders
    connector.confirm_shipment(order.external_id, ship(order, quantity=1))
    assert connector.is_shipped(order.external_id) is False
    rows = httpx.get(f"{served.url}/_sandbox/bolcom/orders/{order.external_id}/shipments")
    (row,) = rows.json()["shipments"]
    assert row["quantity"] == 1 and row["transporterCode"] is None
    assert row["trackAndTrace"] is None


def test_unknown_order_item_is_rejected(connector, twin) -> None:
    twin.place_order()
    with pytest.raises(ValidationError, match="does not exist"):
        connector.confirm_shipment("1", Shipment((ShipmentLine("999999", 1),), NOW))


def test_over_shipping_fails_in_the_process(connector, twin) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 1, "unitPrice": 1}])
    (order,) = fetch_all(connector)[0].orders
    receipt = connector.confirm_shipment(order.external_id, ship(order, quantity=5))
    connector.process_status(receipt.ref)
    result = connector.process_status(receipt.ref)
    assert result.state == "failure" and "exceeds" in (result.message or "")
    assert connector.is_shipped(order.external_id) is False


def test_unknown_order_is_not_found(connector) -> None:
    with pytest.raises(NotFound):
        connector.is_shipped("123456")


# -- cancellation -------------------------------------------------------------------------

def test_cancel_order(connector, twin) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 1, "unitPrice": 1},
                      {"ean": "2", "title": "b", "quantity": 2, "unitPrice": 2}])
    (order,) = fetch_all(connector)[0].orders
    receipt = connector.cancel_order(order.external_id, [li.line_id for li in order.lines],
                                     "out of stock")
    assert receipt.done is False and len(receipt.ref.split(",")) == 2
    assert connector.process_status(receipt.ref).state == "pending"
    assert connector.is_cancelled(order.external_id) is True
    assert connector.process_status(receipt.ref).state == "success"
    assert connector.is_shipped(order.external_id) is False
    reasons = {i.get("cancellationReason") for i in twin.stored_order(order.external_id)[
        "orderItems"]}
    assert reasons == {"OUT_OF_STOCK"}


def test_503_on_cancellation_is_uncertain_then_reconciled(connector, twin, served) -> None:
    twin.place_order()
    (order,) = fetch_all(connector)[0].orders
    fault(served, method="PUT", path="cancellation$", status=503, after_handling=True)
    with pytest.raises(UncertainWrite):
        connector.cancel_order(order.external_id, [order.lines[0].line_id], "")
    assert stats(served)["PUT /retailer/orders/cancellation"] == 1
    assert connector.is_cancelled(order.external_id) is True


# -- faults and rate limits ---------------------------------------------------------------

def test_429_with_retry_after_is_retried(connector, twin, served) -> None:
    twin.place_order()
    fault(served, method="GET", path="^/retailer/orders$", status=429, retry_after=0, count=2)
    (batch,) = fetch_all(connector)
    assert len(batch.orders) == 1 and connector.client.rate_limited == 2
    assert stats(served)["GET /retailer/orders"] == 3  # two refused, then the one short page


def test_503_on_get_is_retried(connector, twin, served) -> None:
    order_id = twin.place_order()
    fault(served, method="GET", path="^/retailer/orders/", status=503, count=2)
    assert connector.is_shipped(order_id) is False
    assert stats(served)["GET /retailer/orders/{id}"] == 3


def test_503_on_shipment_is_an_uncertain_write(connector, twin, served) -> None:
    twin.place_order()
    (order,) = fetch_all(connector)[0].orders
    fault(served, method="POST", path="^/retailer/shipments$", status=503)
    with pytest.raises(UncertainWrite):
        connector.confirm_shipment(order.external_id, ship(order, carrier_code="DHL"))
    assert stats(served)["POST /retailer/shipments"] == 1  # never retried blindly
    assert connector.is_shipped(order.external_id) is False


def test_write_applied_before_the_error_is_reconciled(connector, twin, served) -> None:
    twin.place_order()
    (order,) = fetch_all(connector)[0].orders
    fault(served, method="POST", path="^/retailer/shipments$", status=503, after_handling=True)
    with pytest.raises(UncertainWrite):
        connector.confirm_shipment(order.external_id, ship(order, carrier_code="DHL"))
    assert connector.is_shipped(order.external_id) is True
    assert len(twin.shipments_of(order.external_id)) == 1


def test_twin_rate_limit_answers_429_with_headers(twin, served) -> None:
    twin.controls.rate_limits = True
    saved = dict(twin.rates)
    twin.rates["orders-list"] = (2, 60.0)
    try:
        token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                           auth=(CLIENT_ID, SECRET)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}",
                   "Accept": "application/vnd.retailer.v10+json"}
        answers = [httpx.get(f"{served.url}/retailer/orders", headers=headers) for _ in range(3)]
    finally:
        twin.rates.clear()
        twin.rates.update(saved)
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "2"
    assert answers[1].headers["x-ratelimit-remaining"] == "0"
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert answers[2].json()["status"] == 429
    assert sum(twin.controls.throttled.values()) == 1


def test_rate_limit_headers_feed_the_connector_limiter(served, twin) -> None:
    twin.controls.rate_limits = True
    conn = make_connector(served.url)
    conn._limiters["order-detail"] = limiter = _Recorder()
    try:
        conn.is_shipped(twin.place_order())
    finally:
        conn.close()
    assert limiter.seen == [(1.0, 8.0)]


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float]] = []

    def acquire(self, cost: float = 1.0) -> float:
        return 0.0

    def pause(self, seconds: float) -> None:
        pass

    def observe(self, used: float, capacity: float) -> None:
        self.seen.append((used, capacity))


# -- protocol checks of the twin -----------------------------------------------------------

def test_twin_requires_token_and_media_types(served, twin) -> None:
    order_id = twin.place_order()
    url = f"{served.url}/retailer/orders/{order_id}"
    assert httpx.get(url).status_code == 401
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url, headers={**auth, "Accept": "application/json"}).status_code == 406
    post = httpx.post(f"{served.url}/retailer/shipments", json={"orderItems": []},
                      headers={**auth, "Accept": "application/vnd.retailer.v10+json"})
    assert post.status_code == 415
    bad = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                     auth=(CLIENT_ID, "nope"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


def test_stock_update_and_read(served, twin) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 1, "unitPrice": 1,
                       "offerId": "offer-1"}])
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    media = "application/vnd.retailer.v10+json"
    headers = {"Authorization": f"Bearer {token}", "Accept": media, "Content-Type": media}
    put = httpx.put(f"{served.url}/retailer/offers/offer-1/stock",
                    content=b'{"amount": 4, "managedByRetailer": true}', headers=headers)
    assert put.status_code == 202 and put.json()["status"] == "PENDING"
    got = httpx.get(f"{served.url}/retailer/offers/offer-1", headers=headers).json()
    assert got["stock"]["amount"] == 4 and twin.stock_of("offer-1") == 4


# -- secrets -----------------------------------------------------------------------------

def test_secret_and_token_never_in_errors_or_logs(connector, twin, served, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    twin.place_order()
    errors: list[str] = []
    fault(served, method="GET", path="^/retailer/orders$", status=503, count=10)
    with pytest.raises(Exception) as info:
        fetch_all(connector)
    errors.append(str(info.value))
    with pytest.raises(ValidationError) as info:
        connector.confirm_shipment("1", Shipment((ShipmentLine("0", 1),), NOW))
    errors.append(str(info.value))
    tokens = list(twin.tokens)
    assert tokens
    text = "\n".join(errors) + caplog.text + repr(connector)
    assert SECRET not in text
    assert all(token not in text for token in tokens)


def test_control_routes_place_and_corrupt_orders(connector, served) -> None:
    placed = httpx.post(f"{served.url}/_sandbox/bolcom/orders", json={
        "orderId": "1234567890",
        "items": [{"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 9.95,
                   "offerReference": "MUG-1"}],
        "shipmentDetails": {"city": "Amsterdam", "zipCode": "1012AB"}})
    assert placed.status_code == 201
    order = placed.json()
    assert order["shipmentDetails"]["city"] == "Amsterdam"
    assert order["shipmentDetails"]["streetName"]  # Dutch defaults fill the rest
    raw = {"orderPlacedDateTime": "2024-01-01T00:00:00Z", "orderItems": [
        {"orderItemId": "77", "quantity": 1, "quantityShipped": 0, "quantityCancelled": 0,
         "unitPrice": 1, "cancellationRequest": False}]}
    assert httpx.put(f"{served.url}/_sandbox/bolcom/orders/999/raw", json=raw).status_code == 200
    (batch,) = fetch_all(connector)
    assert [o.external_id for o in batch.orders] == ["1234567890"]
    assert [(q.external_id, q.reason) for q in batch.rejected] == [
        ("999", ErrorReason.ADDRESS_PARSING)]
    missing = httpx.get(f"{served.url}/_sandbox/bolcom/orders/nope/shipments")
    assert missing.status_code == 404
