"""bol.com returns: the twin's routes validated against the Retailer API spec, and the
connector's paging, filter, mapping and handling against the twin."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.bolcom.returns import return_items
from ordersync.http import UncertainWrite
from ordersync.sandbox.common import Fault
from tests.bolcom.conftest import CLIENT_ID, SECRET
from tests.spec_validation import spec_validator

SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs") / "bolcom"
MEDIA = "application/vnd.retailer.v10+json"
needs_spec = pytest.mark.skipif(not (SPECS / "retailer.json").exists(),
                                reason=f"bol.com spec not found at {SPECS}")


def shipped_order(twin, quantity: int = 2) -> tuple[str, str]:
    order_id = twin.place_order([{"ean": "8712345678906", "title": "Mug",
                                  "quantity": quantity, "unitPrice": 12.5}])
    item = twin.stored_order(order_id)["orderItems"][0]
    item["quantityShipped"] = quantity
    return order_id, item["orderItemId"]


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA, "Content-Type": MEDIA}
    with httpx.Client(base_url=served.url, headers=headers) as client:
        yield client


@pytest.fixture(scope="module")
def validate():
    if not (SPECS / "retailer.json").exists():
        pytest.skip(f"bol.com spec not found at {SPECS}")
    return spec_validator({name: SPECS / f"{name}.json" for name in ("retailer", "shared")},
                          draft=7, prefix="/components/schemas/", default_doc="retailer")


@needs_spec
def test_returns_routes_answer_as_the_spec_shapes_them(validate, api, twin) -> None:
    order_id, item_id = shipped_order(twin)
    ret = twin.create_return(order_id, [{"orderItemId": item_id, "quantity": 1}])
    rma = ret["returnItems"][0]["rmaId"]

    listing = api.get("/retailer/returns", params={"handled": "false"})
    validate(listing.json(), "ReturnsResponse")
    assert [r["returnId"] for r in listing.json()["returns"]] == [ret["returnId"]]
    detail = api.get(f"/retailer/returns/{ret['returnId']}")
    validate(detail.json(), "Return")
    body = {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1}
    validate(body, "ReturnRequest")
    handled = api.put(f"/retailer/returns/{rma}", json=body)
    assert handled.status_code == 202
    validate(handled.json(), "ProcessStatus")
    assert handled.json()["eventType"] == "HANDLE_RETURN_ITEM"
    assert handled.json()["entityId"] == rma
    after = api.get(f"/retailer/returns/{ret['returnId']}").json()  # read settles it
    validate(after, "Return")
    assert after["returnItems"][0]["handled"] is True
    assert api.get("/retailer/returns", params={"handled": "false"}).json() == {"returns": []}
    validate(api.get("/retailer/returns", params={"handled": "true"}).json(),
             "ReturnsResponse")
    for bad in (api.get("/retailer/returns", params={"handled": "maybe", "page": 0}),
                api.put(f"/retailer/returns/{rma}", json={"handlingResult": "KEEP",
                                                          "quantityReturned": 0}),
                api.put("/retailer/returns/abc", json=body)):
        assert bad.status_code == 400
        validate(bad.json(), "Problem")
    missing = api.get("/retailer/returns/999")
    assert missing.status_code == 404
    validate(missing.json(), "Problem")


def test_connector_pages_through_returns_and_filters_on_handled(connector, twin) -> None:
    returns = []
    for _ in range(55):  # more than one page of 50
        order_id, item_id = shipped_order(twin, 1)
        returns.append(twin.create_return(order_id))
    twin.stored_return(returns[0]["returnId"])["returnItems"][0]["handled"] = True

    open_pages = list(connector.fetch_returns(handled=False))
    handled = [r for page in connector.fetch_returns(handled=True) for r in page.returns]

    assert [len(p.returns) for p in open_pages] == [50, 4]
    assert len({r.rma_id for p in open_pages for r in p.returns}) == 54
    assert [r.return_id for r in handled] == [returns[0]["returnId"]] and handled[0].handled
    first = open_pages[0].returns[0]
    assert first.platform == "bolcom" and first.account == "shop-nl"
    assert first.quantity == 1 and first.ean == "8712345678906"
    assert first.reason == "Niet naar verwachting" and first.comments == "Kleur valt tegen"


def test_handling_is_accepted_then_settles_and_is_found_for_reconciliation(connector,
                                                                           twin) -> None:
    order_id, item_id = shipped_order(twin)
    ret = twin.create_return(order_id)
    rma = ret["returnItems"][0]["rmaId"]
    assert connector.return_handling(rma, ret["returnId"]) is None

    receipt = connector.handle_return(rma, 2, "RETURN_RECEIVED")

    assert not receipt.done and receipt.ref
    found = connector.return_handling(rma, ret["returnId"])
    assert found is not None and found.state == "success"  # reading it settled the process
    assert connector.process_status(receipt.ref).state == "success"
    again = connector.handle_return(rma, 2, "RETURN_RECEIVED")  # bol.com refuses a second
    states = [connector.process_status(again.ref) for _ in range(2)]
    assert states[0].state == "pending" and states[1].state == "failure"
    assert "already been handled" in (states[1].message or "")


def test_a_handling_whose_answer_is_lost_is_uncertain_and_found_by_the_lookup(
        connector, twin) -> None:
    order_id, _ = shipped_order(twin)
    ret = twin.create_return(order_id)
    rma = ret["returnItems"][0]["rmaId"]
    twin.controls.faults.append(Fault(method="PUT", path=re.compile(r"^/retailer/returns/"),
                                      status=503, after_handling=True))

    with pytest.raises(UncertainWrite):
        connector.handle_return(rma, 2, "RETURN_RECEIVED")

    found = connector.return_handling(rma, ret["returnId"])
    assert found is not None and found.state == "success"


def test_a_malformed_return_item_is_quarantined_with_the_reason() -> None:
    page = return_items({"returnId": "7", "registrationDateTime": "2026-11-20T10:00:00+01:00",
                         "fulfilmentMethod": "FBR", "returnItems": [
                             {"rmaId": "31", "orderId": "1", "expectedQuantity": 1,
                              "ean": "8712345678906", "handled": False,
                              "returnReason": {"mainReason": "Defect"}},
                             {"rmaId": "32", "orderId": "1", "expectedQuantity": "two"},
                             {"orderId": "1", "expectedQuantity": 1}]}, "acc")

    assert [r.rma_id for r in page.returns] == ["31"]
    assert [(q.external_id, q.reason) for q in page.rejected] == [("32", "validation"),
                                                                   (None, "validation")]
