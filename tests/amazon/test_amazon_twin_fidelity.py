"""Amazon twin details the spec-driven suite (tests/spec) found, pinned one by one."""

from __future__ import annotations

import httpx

from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID
from tests.amazon.helpers import CLIENT_ID, REFRESH, SECRET


def _token(url: str) -> str:
    return httpx.post(f"{url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]


def test_confirm_shipment_204_is_typed_json_like_every_orders_answer(served, twin) -> None:
    order = twin.place_order([{"sku": "MUG"}])
    item = twin.state.orders[order].items[0]["OrderItemId"]
    response = httpx.post(
        f"{served.url}/orders/v0/orders/{order}/shipmentConfirmation",
        headers={"x-amz-access-token": _token(served.url)},
        json={"marketplaceId": MARKETPLACE_ID, "packageDetail": {
            "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z9",
            "shipDate": "2026-01-02T10:00:00Z",
            "orderItems": [{"orderItemId": item, "quantity": 1}]}})
    assert response.status_code == 204 and response.content == b""
    assert response.headers["content-type"] == "application/json"


def test_a_sku_with_a_line_break_or_slash_is_a_listing_not_an_unknown_route(served) -> None:
    url = f"{served.url}/listings/2021-08-01/items/{SELLER_ID}/MUG%0A350%2FBLUE"
    headers = {"x-amz-access-token": _token(served.url)}
    params = {"marketplaceIds": MARKETPLACE_ID}
    patched = httpx.patch(url, params=params, headers=headers, json={
        "productType": "PRODUCT", "patches": [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["sku"] == "MUG\n350/BLUE"
    assert httpx.get(url, params=params, headers=headers).status_code == 200
