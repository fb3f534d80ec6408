"""Stock on Amazon: patchListingsItem and the JSON_LISTINGS_FEED flow, against the twin."""

from __future__ import annotations

import json

import httpx
import pytest

from ordersync.connectors.amazon import mapping
from ordersync.http import ValidationError
from tests.amazon.helpers import fault, stats


def test_set_quantity_patches_the_listing(connector, twin, served) -> None:
    twin.add_listing("MUG-1", 1)
    receipt = connector.set_quantity("MUG-1", 7)
    assert receipt.done and receipt.ref
    assert twin.quantity_of("MUG-1") == 7
    seen = httpx.get(f"{served.url}/_sandbox/amazon/listings/MUG-1").json()
    assert seen == {"sku": "MUG-1", "quantity": 7, "productType": "PRODUCT"}


def test_set_quantity_escapes_the_sku(connector, twin) -> None:
    connector.set_quantity("A/B 1", 3)
    assert twin.quantity_of("A/B 1") == 3


def test_invalid_quantity_rejected(connector) -> None:
    with pytest.raises(ValueError):
        connector.set_quantity("MUG-1", -1)


def test_invalid_patch_raises_validation_error(connector, twin, monkeypatch) -> None:
    monkeypatch.setattr(mapping, "listings_patch_body",
                        lambda q, p: {"productType": p, "patches": [{"op": "delete",
                                                                      "path": "/x"}]})
    with pytest.raises(ValidationError, match="4000001"):
        connector.set_quantity("MUG-1", 1)


def test_feed_flow_end_to_end(connector, twin, served) -> None:
    twin.add_listing("MUG-1", 1)
    feed_id = connector.submit_quantities({"MUG-1": 12, "PLATE-2": 0, "BOWL-3": 4})
    document = next(iter(twin.state.documents.values()))
    assert document["contentType"] == "application/json; charset=UTF-8"
    sent = json.loads(document["content"])
    assert sent["header"]["sellerId"] == connector.seller_id
    assert [m["sku"] for m in sent["messages"]] == ["MUG-1", "PLATE-2", "BOWL-3"]
    assert twin.quantity_of("MUG-1") == 1  # nothing applied before processing
    states = [connector.feed_status(feed_id) for _ in range(3)]
    assert states == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert connector.process_status(feed_id).state == "success"
    assert [twin.quantity_of(s) for s in ("MUG-1", "PLATE-2", "BOWL-3")] == [12, 0, 4]
    by_path = stats(served.url)
    assert sum(n for p, n in by_path.items() if p.endswith("/documents")) == 1
    assert sum(n for p, n in by_path.items() if p.startswith("POST") and p.endswith("/feeds")) == 1
    assert sum(n for p, n in by_path.items() if p.startswith("PUT /_feed-documents")) == 1


def test_process_status_pending_then_success(connector, twin) -> None:
    feed_id = connector.submit_quantities({"MUG-1": 2})
    assert connector.process_status(feed_id).state == "pending"
    assert connector.process_status(feed_id).state == "pending"
    assert connector.process_status(feed_id).state == "success"


def test_unreadable_document_makes_the_feed_fatal(connector, twin, served) -> None:
    feed_id = connector.submit_quantities({"MUG-1": 2})
    next(iter(twin.state.documents.values()))["content"] = b"not json"
    for _ in range(2):
        connector.feed_status(feed_id)
    result = connector.process_status(feed_id)
    assert result.state == "failure" and "FATAL" in (result.message or "")


def test_upload_carries_no_access_token(connector, twin, served) -> None:
    seen: list[httpx.Headers] = []
    connector._uploads._http.event_hooks["request"].append(lambda r: seen.append(r.headers))
    connector.submit_quantities({"MUG-1": 2})
    assert len(seen) == 1 and "x-amz-access-token" not in seen[0]


def test_upload_retried_after_a_503(connector, twin, served) -> None:
    fault(served.url, method="PUT", path="^/_feed-documents/", status=503)
    feed_id = connector.submit_quantities({"MUG-1": 5})
    for _ in range(3):
        connector.feed_status(feed_id)
    assert twin.quantity_of("MUG-1") == 5


def test_empty_quantities_rejected(connector) -> None:
    with pytest.raises(ValueError):
        connector.submit_quantities({})
