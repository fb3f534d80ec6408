"""JSON_LISTINGS_FEED in steps a caller can record between (so a crash never leaves it unsure
what was sent), its processing report, and reads that reconcile an uncertain write. A mixin
of ``AmazonConnector``.

1. ``create_feed_document(quantities)``: createFeedDocument + upload -> feedDocumentId;
2. ``create_feed(document_id)`` -> feedId (not idempotent; after a lost answer look for it
   with ``feeds_since``: getFeeds by type and creation time);
3. ``feed(feed_id)`` until DONE / FATAL / CANCELLED; ``feed_report(feed)`` -> the processing
   report (getFeedDocument + download, GZIP when Amazon says so), ``report_problems`` -> the
   SKUs Amazon refused and why.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ordersync.connectors.amazon import mapping
from ordersync.http import ApiClient, NotFound, UncertainWrite
from ordersync.http.paging import Page, paginate

FEEDS = "/feeds/2021-06-30"


def message_skus(quantities: Mapping[str, int]) -> dict[int, str]:
    """messageId -> SKU of the document ``quantities_feed(quantities)`` builds."""
    return dict(enumerate(quantities, start=1))


def report_problems(report: Mapping[str, Any] | None,
                    skus: Mapping[int, str]) -> dict[str, str]:
    """SKU -> error text for every message with an ERROR issue in a processing report."""
    problems: dict[str, str] = {}
    for issue in (report or {}).get("issues") or []:
        if not isinstance(issue, dict) or issue.get("severity") != "ERROR":
            continue
        sku = issue.get("sku") or skus.get(issue.get("messageId"))  # type: ignore[arg-type]
        if sku:
            text = f"{issue.get('code')}: {issue.get('message')}"
            problems[sku] = f"{problems[sku]}; {text}" if sku in problems else text
    return problems


class FeedOps:
    """Needs ``client``, ``_uploads``, ``_call``, ``_iso``, ``platform``, ``seller_id``,
    ``marketplace_id`` and ``_listing_path`` (from AmazonConnector)."""

    platform: str
    seller_id: str
    marketplace_id: str
    client: ApiClient
    _uploads: ApiClient
    _call: Callable[..., dict[str, Any]]
    _iso: Callable[[datetime], str]
    _listing_path: Callable[[str], str]

    def create_feed_document(self, quantities: Mapping[str, int],
                             product_type: str = mapping.PRODUCT_TYPE) -> str:
        """Upload a JSON_LISTINGS_FEED of quantities; its feedDocumentId (nothing is applied
        until ``create_feed``)."""
        document = mapping.quantities_feed(self.seller_id, quantities, product_type)
        created = self._call("POST", f"{FEEDS}/documents",
                             body={"contentType": mapping.FEED_CONTENT_TYPE})
        doc_id, url = created.get("feedDocumentId"), created.get("url")
        if not doc_id or not url:
            raise UncertainWrite("createFeedDocument: no feedDocumentId/url",
                                 platform=self.platform)
        self._uploads.request("PUT", str(url), content=json.dumps(document).encode(),
                              headers={"Content-Type": mapping.FEED_CONTENT_TYPE},
                              idempotent=True)
        return str(doc_id)

    def create_feed(self, document_id: str) -> str:
        """createFeed of an uploaded document; the feedId."""
        feed = self._call("POST", f"{FEEDS}/feeds", body={
            "feedType": mapping.FEED_TYPE, "marketplaceIds": [self.marketplace_id],
            "inputFeedDocumentId": document_id})
        if not feed.get("feedId"):
            raise UncertainWrite("createFeed: no feedId", platform=self.platform)
        return str(feed["feedId"])

    def feeds_since(self, created_since: datetime) -> list[dict[str, Any]]:
        """JSON_LISTINGS_FEEDs created since then, newest first (getFeeds, nextToken)."""
        params: dict[str, Any] = {"feedTypes": mapping.FEED_TYPE,
                                  "marketplaceIds": self.marketplace_id,
                                  "createdSince": self._iso(created_since), "pageSize": 100}

        def fetch(token: str | None) -> Page[dict[str, Any], str]:
            query = params if token is None else {"nextToken": token}
            answer = self._call("GET", f"{FEEDS}/feeds", params=query)
            return Page([f for f in answer.get("feeds") or [] if isinstance(f, dict)],
                        answer.get("nextToken") or None)

        return [feed for page in paginate(fetch, None, platform=self.platform,
                                          listing="getFeeds") for feed in page]

    def feed(self, feed_id: str) -> dict[str, Any]:
        """getFeed: the Feed (processingStatus, resultFeedDocumentId, ...)."""
        return self._call("GET", f"{FEEDS}/feeds/{quote(feed_id, safe='')}")

    def feed_report(self, feed: Mapping[str, Any]) -> dict[str, Any] | None:
        """The processing report of a finished feed, or None when it has none."""
        doc_id = feed.get("resultFeedDocumentId")
        if not doc_id:
            return None
        report = json.loads(self.document_content(str(doc_id)) or b"{}")
        return report if isinstance(report, dict) else None

    def document_content(self, document_id: str) -> bytes:
        """A feed document's content: getFeedDocument, download, GZIP undone if Amazon says."""
        where = self._call("GET", f"{FEEDS}/documents/{quote(document_id, safe='')}")
        content = self._uploads.request("GET", str(where["url"])).content
        if where.get("compressionAlgorithm") == "GZIP":
            content = gzip.decompress(content)
        return content

    def listing_quantity(self, sku: str) -> int | None:
        """The merchant-fulfilled quantity Amazon has for a SKU (None: no such listing)."""
        try:
            item = self._call("GET", self._listing_path(sku), params={
                "marketplaceIds": self.marketplace_id, "includedData": "fulfillmentAvailability"})
        except NotFound:
            return None
        for entry in item.get("fulfillmentAvailability") or []:
            if entry.get("fulfillmentChannelCode") == mapping.FULFILLMENT_CHANNEL:
                return int(entry.get("quantity") or 0)
        return None
