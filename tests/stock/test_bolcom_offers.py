"""bol.com offer stock against the served twin: the offers export (SKU -> offer id), stock
updates with managedByRetailer, bulk process statuses, reconciliation by entity id; the
JSON bodies validated on the vendor spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.bolcom import BolcomConnector
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from tests.spec_validation import spec_validator

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "bolcom"
CLIENT, SECRET = "stock-client", "stock-secret"
MEDIA = "application/vnd.retailer.v10+json"


@pytest.fixture(scope="module")
def twin() -> BolcomTwin:
    return BolcomTwin(clients={CLIENT: SECRET}, rate_limits=False, process_delay_polls=1)


@pytest.fixture(scope="module")
def served(twin: BolcomTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture(autouse=True)
def _fresh(twin: BolcomTwin) -> None:
    twin.reset()
    twin.controls.clear()


@pytest.fixture
def connector(served: ServedApp) -> Iterator[BolcomConnector]:
    conn = BolcomConnector(client_id=CLIENT, client_secret=SECRET, account="nl",
                           api_url=served.url, login_url=served.url, rate_limits=False,
                           sleep=lambda s: None)
    yield conn
    conn.close()


def export(connector: BolcomConnector):
    process = connector.request_offer_export()
    for _ in range(5):
        report = connector.offer_export_report(process)
        if report:
            return connector.offer_export(report)
    raise AssertionError("export never became ready")


def test_offers_export_maps_references_to_offer_ids(twin, connector):
    mug = twin.add_offer("MUG", amount=4)
    twin.add_offer(None, amount=1)  # an offer without a reference
    fbb = twin.add_offer("PLATE", fulfilment="FBB")
    offers = {o.offer_id: o for o in export(connector)}
    assert offers[mug].sku == "MUG" and offers[mug].stock == 4 and offers[mug].fulfilment == "FBR"
    assert offers[fbb].fulfilment == "FBB" and len(offers) == 3
    assert sum(o.sku is None for o in offers.values()) == 1
    assert offers[mug].ean and len(offers[mug].ean) == 13


def test_export_file_is_csv_and_only_there_once_ready(twin, connector, served):
    process = connector.request_offer_export()
    status = httpx.get(f"{served.url}/shared/process-status/{process}",
                       headers=_auth(connector, MEDIA)).json()
    assert status["eventType"] == "CREATE_OFFER_EXPORT" and status["status"] == "PENDING"
    report = status["entityId"]
    early = httpx.get(f"{served.url}/retailer/offers/export/{report}",
                      headers=_auth(connector, "application/vnd.retailer.v10+csv"))
    assert early.status_code == 200  # reading it settles bol.com's queue, like orders do
    assert early.text.splitlines()[0].startswith("offerId,ean,conditionName")
    wrong = httpx.get(f"{served.url}/retailer/offers/export/{report}",
                      headers=_auth(connector, MEDIA))
    assert wrong.status_code == 406


def test_stock_update_and_bulk_statuses(twin, connector):
    offer = twin.add_offer("MUG", amount=4)
    refs = [connector.set_stock(offer, 7), connector.set_stock(offer, 6)]
    statuses = connector.process_statuses(refs + ["999999999"])
    assert set(statuses) == set(refs)  # unknown ids are left out
    statuses = connector.process_statuses(refs)
    assert {s.state for s in statuses.values()} == {"success"}
    stored = twin.offer_of("MUG")
    assert stored["amount"] == 6 and stored["managedByRetailer"] is True
    assert [p["processStatusId"] for p in connector.stock_processes(offer)] == refs[::-1]
    with pytest.raises(ValueError):
        connector.set_stock(offer, 1000)


def test_unknown_offer_is_a_failed_process(twin, connector):
    """retailer.json documents 202 and 400 only: the unknown offer fails in the process."""
    ref = connector.set_stock("nope", 1)
    results = [connector.process_statuses([ref])[ref] for _ in range(2)]  # pending, then done
    result = results[-1]
    assert result.state == "failure" and "nope" in (result.message or "")


@pytest.mark.skipif(not (SPECS / "shared.json").exists(), reason=f"no bol.com spec at {SPECS}")
def test_bodies_match_the_spec(twin, connector, served):
    check = spec_validator({name: SPECS / f"{name}.json" for name in ("retailer", "shared")},
                           draft=7, prefix="/components/schemas/")

    offer = twin.add_offer("MUG")
    check({"format": "CSV"}, "CreateOfferExportRequest", "retailer")
    check({"amount": 5, "managedByRetailer": True}, "UpdateOfferStockRequest", "retailer")
    headers = _auth(connector, MEDIA) | {"Content-Type": MEDIA}
    put = httpx.put(f"{served.url}/retailer/offers/{offer}/stock", headers=headers,
                    json={"amount": 5, "managedByRetailer": True})
    check(put.json(), "ProcessStatus", "shared")
    bulk_body = {"processStatusQueries": [{"processStatusId": put.json()["processStatusId"]}]}
    check(bulk_body, "BulkProcessStatusRequest", "shared")
    bulk = httpx.post(f"{served.url}/shared/process-status", headers=headers, json=bulk_body)
    check(bulk.json(), "ProcessStatusResponse", "shared")
    exported = httpx.post(f"{served.url}/retailer/offers/export", headers=headers,
                          json={"format": "CSV"})
    assert exported.status_code == 202
    check(exported.json(), "ProcessStatus", "shared")


def _auth(connector: BolcomConnector, accept: str) -> dict[str, str]:
    connector.stock_processes("warm-up")  # make sure the connector holds a token
    token = connector.auth._token  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}", "Accept": accept}
