"""AmazonConnector orders, auth and shipments against the twin served on a real socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.amazon import AmazonConnector, UnsupportedOperation
from ordersync.connectors.base import MarketplaceConnector
from ordersync.http import AuthError, UncertainWrite, ValidationError
from ordersync.orders import Address, ErrorReason, Shipment, ShipmentLine
from tests.amazon.helpers import REFRESH, SECRET, fault, make_connector, stats

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def fetch_all(connector: AmazonConnector, known=lambda ids: set(), **kw):
    return list(connector.fetch_open_orders(known, **kw))


def orders_of(batches):
    return [o for b in batches for o in b.orders]


def test_is_a_marketplace_connector(connector) -> None:
    assert isinstance(connector, MarketplaceConnector) and connector.platform == "amazon"


# -- auth -------------------------------------------------------------------------------

def test_token_exchanged_once_and_sent_as_amz_header(connector, twin) -> None:
    twin.place_order()
    fetch_all(connector)
    fetch_all(connector)
    assert twin.tokens_issued == 1 and connector.auth.tokens_fetched == 1


def test_token_refreshed_after_expiry(connector, twin, clock) -> None:
    order_id = twin.place_order()
    connector.is_shipped(order_id)
    clock.advance(3600 - 30)  # inside the refresh margin
    connector.is_shipped(order_id)
    assert twin.tokens_issued == 2


def test_token_refreshed_when_revoked(connector, twin) -> None:
    order_id = twin.place_order()
    connector.is_shipped(order_id)
    twin.revoke_tokens()
    assert connector.is_shipped(order_id) is False
    assert twin.tokens_issued == 2


@pytest.mark.parametrize("what", ["secret", "refresh"])
def test_bad_credentials_fail_without_leaking(served, what) -> None:
    wrong = "wrong-value-do-not-leak-123"
    conn = make_connector(served.url, **{what: wrong})
    with pytest.raises(AuthError) as info:
        fetch_all(conn)
    assert info.value.status in (400, 401)
    for text in (str(info.value), repr(info.value), repr(conn), repr(conn.auth)):
        assert wrong not in text and SECRET not in text and REFRESH not in text


def test_api_errors_carry_no_secrets_or_tokens(connector, twin) -> None:
    connector.is_shipped(twin.place_order())
    token = next(iter(twin.tokens))
    with pytest.raises(Exception) as info:
        connector.is_shipped("404-0000000-0000000")
    for text in (str(info.value), repr(info.value)):
        assert token not in text and SECRET not in text and REFRESH not in text


# -- fetching -----------------------------------------------------------------------------

def test_pages_250_orders_with_next_token_items_only_for_unknown(connector, twin,
                                                                 served) -> None:
    ids = [twin.place_order() for _ in range(250)]
    known_ids = set(ids[:40]) | {ids[180]}
    asked: list[list[str]] = []

    def known(batch):
        asked.append(list(batch))
        return known_ids & set(batch)

    batches = fetch_all(connector, known)
    assert [len(b) for b in asked] == [100, 100, 50]
    got = [o.external_id for o in orders_of(batches)]
    assert got == [i for i in ids if i not in known_ids]
    assert stats(served.url)["GET /orders/v0/orders"] == 3
    item_calls = sum(n for path, n in stats(served.url).items() if path.endswith("/orderItems"))
    assert item_calls == 250 - len(known_ids)
    assert set(connector.listed_statuses) == set(ids)


def test_next_token_request_sends_only_token_and_marketplace(served, twin) -> None:
    for _ in range(3):
        twin.place_order()
    seen: list[dict[str, str]] = []

    def spy(request: httpx.Request) -> None:
        if request.url.path == "/orders/v0/orders":
            seen.append(dict(request.url.params))

    conn = make_connector(served.url)
    conn.client._http.event_hooks["request"].append(spy)
    with conn:
        list(conn._order_pages({"MarketplaceIds": conn.marketplace_id,
                                "CreatedAfter": "2000-01-01T00:00:00Z",
                                "MaxResultsPerPage": 2}))
    assert seen[0]["MaxResultsPerPage"] == "2"
    assert set(seen[1]) == {"NextToken", "MarketplaceIds"}


def test_first_request_parameters(served, twin) -> None:
    seen: list[dict[str, str]] = []
    conn = make_connector(served.url)
    conn.client._http.event_hooks["request"].append(
        lambda r: seen.append(dict(r.url.params)) if r.url.path == "/orders/v0/orders" else None)
    with conn:
        fetch_all(conn, updated_since=NOW)
        fetch_all(conn)
    assert seen[0] == {
        "MarketplaceIds": "A1805IZSGTT6HS", "LastUpdatedAfter": "2024-05-01T12:00:00Z",
        "OrderStatuses": "Pending,Unshipped,PartiallyShipped,Canceled",
        "FulfillmentChannels": "MFN", "MaxResultsPerPage": "100"}
    default = datetime.fromisoformat(seen[1]["LastUpdatedAfter"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - timedelta(days=30) - default) < timedelta(minutes=5)


def test_updated_since_filters(connector, twin, clock) -> None:
    twin.place_order()
    clock.advance(3600)
    later = twin.place_order()
    since = datetime.fromtimestamp(clock() - 60, UTC)
    assert [o.external_id for o in orders_of(fetch_all(connector, updated_since=since))] == [
        later]


def test_order_mapping(connector, twin) -> None:
    order_id = twin.place_order(
        [{"sku": "MUG-1", "asin": "B0MUG", "title": "Mug", "quantity": 3, "unitPrice": "4.99"},
         {"sku": "PLATE-1", "title": "Plate", "quantity": 1, "unitPrice": 10}],
        address={"Name": "Jan de Vries", "AddressLine1": "Kerkstraat 12 A",
                 "AddressLine2": "2e verdieping", "CompanyName": "ACME"},
        email="abc@marketplace.amazon.nl")
    (order,) = orders_of(fetch_all(connector))
    assert order.external_id == order_id and order.currency == "EUR" and not order.pending
    assert order.account == "amazon-nl" and order.reference == f"amazon:{order_id}"
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.offer_id) for ln in order.lines] == [
        ("MUG-1", 3, Decimal("4.99"), "B0MUG"), ("PLATE-1", 1, Decimal("10.00"), "B000SANDBOX")]
    address = order.shipping_address
    assert (address.first_name, address.last_name, address.street, address.house_number,
            address.house_number_extension) == ("Jan", "de Vries", "Kerkstraat", "12", "A")
    assert (address.postal_code, address.city, address.country, address.company,
            address.extra_address_info, address.email) == (
        "3511 AB", "Utrecht", "NL", "ACME", "2e verdieping", "abc@marketplace.amazon.nl")


def test_order_items_pages_followed(connector, twin) -> None:
    twin.items_page_size = 2
    twin.place_order([{"sku": f"SKU-{i}", "quantity": 1, "unitPrice": 1} for i in range(5)])
    (order,) = orders_of(fetch_all(connector))
    assert [ln.sku for ln in order.lines] == [f"SKU-{i}" for i in range(5)]


def test_pending_order_mapped_without_address_or_prices(connector, twin) -> None:
    twin.place_order([{"sku": "MUG-1", "quantity": 2, "unitPrice": 9}], pending=True)
    (batch,) = fetch_all(connector)
    (order,) = batch.orders
    assert order.pending and order.shipping_address == Address()
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("MUG-1", 2, Decimal("0"))]
    assert order.currency == "EUR" and not batch.rejected


def test_pending_then_paid_gives_the_full_order(connector, twin) -> None:
    order_id = twin.place_order([{"sku": "MUG-1", "quantity": 1, "unitPrice": 9}],
                                pending=True)
    (pending,) = orders_of(fetch_all(connector))
    twin.pay(order_id)
    assert orders_of(fetch_all(connector, lambda ids: set(ids))) == []
    assert connector.listed_statuses[order_id] == "Unshipped"  # the hub sees it was paid
    assert connector.order_statuses([order_id]) == {order_id: "Unshipped"}
    paid = connector.fetch_order(order_id)
    assert pending.pending and not paid.pending
    assert paid.shipping_address.city == "Utrecht" and paid.lines[0].unit_price == Decimal("9")
    (again,) = orders_of(fetch_all(connector))
    assert again == paid


def test_fraud_cancel(connector, twin, served) -> None:
    twin.add_listing("MUG-1", 5)
    order_id = twin.place_order([{"sku": "MUG-1", "quantity": 2}], pending=True)
    assert twin.quantity_of("MUG-1") == 3
    twin.fraud_cancel(order_id)
    assert twin.quantity_of("MUG-1") == 5
    assert connector.is_cancelled(order_id) and not connector.is_shipped(order_id)
    assert connector.order_statuses([order_id, "999-0000000-0000000"]) == {order_id: "Canceled"}
    assert orders_of(fetch_all(connector)) == []
    conflict = httpx.post(f"{served.url}/_sandbox/amazon/orders/{order_id}/pay")
    assert conflict.status_code == 409


def test_incomplete_paid_order_is_quarantined(connector, twin) -> None:
    bad_address = twin.place_order(address={"City": ""})
    no_price = twin.place_order()
    twin.state.orders[no_price].public_items = lambda: [  # type: ignore[method-assign]
        {"OrderItemId": "1", "ASIN": "B0", "QuantityOrdered": 1, "QuantityShipped": 0}]
    twin.state.orders[no_price].public = lambda: {  # type: ignore[method-assign]
        "AmazonOrderId": no_price, "PurchaseDate": "2024-05-01T10:00:00Z",
        "LastUpdateDate": "2099-01-01T00:00:00Z", "OrderStatus": "Unshipped",
        "ShippingAddress": {"Name": "A B", "AddressLine1": "Straat 1", "City": "X",
                            "PostalCode": "1", "CountryCode": "NL"}}
    (batch,) = fetch_all(connector)
    assert batch.orders == ()
    reasons = {q.external_id: q.reason for q in batch.rejected}
    assert reasons == {bad_address: ErrorReason.ADDRESS_PARSING, no_price: ErrorReason.PRICING}


# -- shipments and cancellation -------------------------------------------------------

def test_confirm_shipment_with_other_carrier(connector, twin, served) -> None:
    order_id = twin.place_order([{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}])
    (order,) = orders_of(fetch_all(connector))
    first = Shipment((ShipmentLine(order.lines[0].line_id, 2),), NOW, tracking_number="3S123",
                     carrier_code="Other", carrier_name="Trunkrs")
    assert connector.confirm_shipment(order_id, first).done
    assert twin.status_of(order_id) == "PartiallyShipped" and not connector.is_shipped(order_id)
    (row,) = httpx.get(f"{served.url}/_sandbox/amazon/orders/{order_id}/shipments").json()[
        "shipments"]
    assert row["carrierCode"] == "Other" and row["carrierName"] == "Trunkrs"
    assert row["trackingNumber"] == "3S123" and row["shipDate"] == "2024-05-01T12:00:00Z"
    assert row["packageReferenceId"].isdigit() and row["quantity"] == 2
    second = Shipment((ShipmentLine(order.lines[1].line_id, 1),), NOW, tracking_number="1Z9",
                      carrier_code="UPS")
    connector.confirm_shipment(order_id, second)
    assert connector.is_shipped(order_id) and len(twin.shipments_of(order_id)) == 2


def test_shipment_checks(connector, twin) -> None:
    order_id = twin.place_order()
    line = twin.state.orders[order_id].items[0]["OrderItemId"]
    with pytest.raises(ValidationError, match="carrierName"):  # a FatalError: this order only
        connector.confirm_shipment(order_id, Shipment((ShipmentLine(line, 1),), NOW,
                                                      tracking_number="X"))
    with pytest.raises(ValidationError, match="more than ordered"):
        connector.confirm_shipment(order_id, Shipment((ShipmentLine(line, 5),), NOW,
                                                      tracking_number="X", carrier_code="DHL"))
    pending = twin.place_order(pending=True)
    item = twin.state.orders[pending].items[0]["OrderItemId"]
    with pytest.raises(ValidationError, match="Pending"):
        connector.confirm_shipment(pending, Shipment((ShipmentLine(item, 1),), NOW,
                                                     tracking_number="X", carrier_code="DHL"))


def test_shipment_timeout_is_an_uncertain_write(connector, twin, served) -> None:
    order_id = twin.place_order()
    line = twin.state.orders[order_id].items[0]["OrderItemId"]
    fault(served.url, method="POST", path="shipmentConfirmation$", status=503,
          after_handling=True)
    with pytest.raises(UncertainWrite):
        connector.confirm_shipment(order_id, Shipment((ShipmentLine(line, 1),), NOW,
                                                      tracking_number="X", carrier_code="DHL"))
    assert connector.is_shipped(order_id)  # reconciliation finds it applied


def test_cancel_is_unsupported(connector) -> None:
    with pytest.raises(UnsupportedOperation, match="no seller cancellation"):
        connector.cancel_order("1", ["2"], "out of stock")
