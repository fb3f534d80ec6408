"""Amazon quantity feeds step by step against the served twin: document, feed, status, the
processing report (per-SKU refusals), getFeeds to find a feed whose createFeed answer was lost,
and listing reads; the new responses validated on the Feeds model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.amazon.feeds import message_skus, report_problems
from ordersync.http import UncertainWrite
from ordersync.sandbox.amazon import SELLER_ID, AmazonTwin
from ordersync.sandbox.common import ServedApp
from tests.spec_validation import spec_validator

CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.stock", "stock-secret", "Atzr|stock"
SPEC = (Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "amazon-sp-api"
        / "feeds_2021-06-30.json")


@pytest.fixture(scope="module")
def twin() -> AmazonTwin:
    return AmazonTwin(clients={CLIENT: (SECRET, REFRESH)}, rate_limits=False,
                      feed_delay_polls=1)


@pytest.fixture(scope="module")
def served(twin: AmazonTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture(autouse=True)
def _fresh(twin: AmazonTwin) -> None:
    twin.reset()


@pytest.fixture
def connector(served: ServedApp) -> Iterator[AmazonConnector]:
    conn = AmazonConnector(client_id=CLIENT, client_secret=SECRET, refresh_token=REFRESH,
                           seller_id=SELLER_ID, account="nl", api_url=served.url,
                           token_url=f"{served.url}/auth/o2/token", rate_limits=False,
                           sleep=lambda s: None)
    yield conn
    conn.close()


def run_feed(connector: AmazonConnector, quantities: dict[str, int]) -> dict[str, Any]:
    feed_id = connector.create_feed(connector.create_feed_document(quantities))
    for _ in range(5):
        feed = connector.feed(feed_id)
        if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return feed
    raise AssertionError("feed never finished")


def test_feed_in_steps_applies_quantities_and_reports_refusals(twin, connector):
    twin.add_listing("MUG", 1)
    twin.state.refused_skus.add("BAD")
    quantities = {"MUG": 7, "BAD": 3, "NEW": 0}
    feed = run_feed(connector, quantities)
    assert feed["processingStatus"] == "DONE"
    report = connector.feed_report(feed)
    assert report["summary"] == {"errors": 1, "warnings": 0, "messagesProcessed": 3,
                                 "messagesAccepted": 2, "messagesInvalid": 1}
    problems = report_problems(report, message_skus(quantities))
    assert list(problems) == ["BAD"] and "cannot be updated" in problems["BAD"]
    assert twin.quantity_of("MUG") == 7 and twin.quantity_of("NEW") == 0
    assert "BAD" not in twin.state.listings
    assert connector.listing_quantity("MUG") == 7
    assert connector.listing_quantity("NOPE") is None


def test_a_feed_whose_answer_was_lost_is_found_by_creation_time(twin, connector, served):
    import httpx

    before = datetime.now(UTC) - timedelta(seconds=5)
    document = connector.create_feed_document({"MUG": 2})
    httpx.post(f"{served.url}/_sandbox/faults", json={
        "method": "POST", "path": "^/feeds/2021-06-30/feeds$", "status": 503,
        "after_handling": True}).raise_for_status()
    with pytest.raises(UncertainWrite):
        connector.create_feed(document)
    [found] = connector.feeds_since(before)
    assert found["feedType"] == "JSON_LISTINGS_FEED"
    assert connector.feeds_since(datetime.now(UTC) + timedelta(minutes=1)) == []


def test_get_feeds_pages_with_next_token(twin, connector):
    for n in range(3):
        connector.create_feed(connector.create_feed_document({f"S{n}": n}))
    since = datetime.now(UTC) - timedelta(minutes=1)
    first = connector._call("GET", "/feeds/2021-06-30/feeds", params={
        "feedTypes": "JSON_LISTINGS_FEED", "pageSize": 2,
        "createdSince": since.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert len(first["feeds"]) == 2 and first["nextToken"]
    assert len(connector.feeds_since(since)) == 3


@pytest.mark.skipif(not SPEC.exists(), reason=f"no Feeds model at {SPEC}")
def test_new_feed_responses_match_the_model(twin, connector):
    check = spec_validator({"feeds": SPEC}, draft=4, prefix="/definitions/",
                           default_doc="feeds")

    feed = run_feed(connector, {"MUG": 1})
    check(feed, "Feed")
    since = datetime.now(UTC) - timedelta(minutes=1)
    check(connector._call("GET", "/feeds/2021-06-30/feeds", params={
        "feedTypes": "JSON_LISTINGS_FEED",
        "createdSince": since.strftime("%Y-%m-%dT%H:%M:%SZ")}), "GetFeedsResponse")
    check(connector._call("GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}"),
          "FeedDocument")
