"""bol.com twin details the spec-driven suite (tests/spec) found, pinned one by one."""

from __future__ import annotations

import httpx
import pytest

from tests.bolcom.conftest import CLIENT_ID, SECRET

MEDIA = "application/vnd.retailer.v10+json"
ADVERTISER = "application/vnd.advertiser.v10+json"


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    with httpx.Client(base_url=served.url,
                      headers={"Authorization": f"Bearer {token}", "Accept": MEDIA}) as client:
        yield client


def test_bulk_process_status_takes_the_advertiser_media_type_too(api, twin) -> None:
    offer = twin.add_offer("MUG", amount=1)
    process = api.put(f"/retailer/offers/{offer}/stock", json={"amount": 2,
                                                               "managedByRetailer": True},
                      headers={"Content-Type": MEDIA}).json()["processStatusId"]
    body = {"processStatusQueries": [{"processStatusId": process}]}
    for media in (MEDIA, ADVERTISER):
        response = api.post("/shared/process-status", json=body,
                            headers={"Content-Type": media, "Accept": media})
        assert response.status_code == 200, response.text
        assert [p["processStatusId"] for p in response.json()["processStatuses"]] == [process]
    refused = api.post("/shared/process-status", json=body,
                       headers={"Content-Type": "application/json"})
    assert refused.status_code == 415


@pytest.mark.parametrize(("params", "names"), [
    ({"entity-id": "1", "event-type": "CREATE_SHIPMENT", "page": "false"}, ["page"]),
    ({"entity-id": "1", "event-type": "CREATE_SHIPMENT", "page": "0"}, ["page"]),
    ({"entity-id": "1", "event-type": "SHIP_IT"}, ["event-type"]),
    ({}, ["entity-id", "event-type"]),
])
def test_process_status_query_is_checked_like_the_spec(api, params, names) -> None:
    response = api.get("/shared/process-status", params=params)
    assert response.status_code == 400
    assert [v["name"] for v in response.json()["violations"]] == names
