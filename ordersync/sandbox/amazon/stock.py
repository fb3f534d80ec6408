"""The twin's stock routes: Listings Items PATCH/GET and the Feeds flow (documents, upload,
createFeed, getFeed, getFeeds, and the processing report: getFeedDocument + download). A mixin
of ``AmazonTwin``."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.amazon import fulfillment
from ordersync.sandbox.amazon.errors import fail as _fail
from ordersync.sandbox.amazon.state import LISTINGS_FEED, AmazonState

FEED_TYPES = (LISTINGS_FEED, fulfillment.FULFILLMENT_FEED)


class StockRoutes:
    """Needs ``state``, ``seller_id``, ``marketplace_id``, ``_guard`` and ``_json``."""

    state: AmazonState
    seller_id: str
    marketplace_id: str

    _guard: Callable[[Request], dict[str, str]]  # provided by AmazonTwin
    _json: Callable[[Request], Awaitable[Any]]

    async def _listing(self, request: Request) -> Response:
        headers = self._guard(request)
        sku, seller = request.path_params["sku"], request.path_params["seller_id"]
        if seller != self.seller_id:
            raise _fail(403, "Access to requested resource is denied.",
                        "sellerId does not match the token.", headers=headers)
        if self.marketplace_id not in (request.query_params.get("marketplaceIds") or ""):
            raise _fail(400, "Invalid Input", "marketplaceIds is required.", headers=headers)
        body = await self._json(request) if request.method == "PATCH" else None
        with self.state.lock:
            if request.method == "GET":
                listing = self.state.listings.get(sku)
                if listing is None:
                    raise _fail(404, f"SKU {sku} not found.", headers=headers)
                return JSONResponse({"sku": sku, "fulfillmentAvailability": [
                    {"fulfillmentChannelCode": "DEFAULT", "quantity": listing["quantity"]}]},
                    headers=headers)
            issues = self._patch_issues(body)
            submission = {"sku": sku, "submissionId": secrets.token_hex(16)}
            if issues:
                return JSONResponse({**submission, "status": "INVALID", "issues": issues},
                                    headers=headers)
            for patch in body["patches"]:
                for value in patch.get("value") or []:
                    self.state.set_quantity(sku, value["quantity"], body["productType"])
        return JSONResponse({**submission, "status": "ACCEPTED", "issues": []},
                            headers=headers)

    @staticmethod
    def _patch_issues(body: Any) -> list[dict[str, Any]]:
        def issue(message: str) -> list[dict[str, Any]]:
            return [{"code": "4000001", "message": message, "severity": "ERROR",
                     "categories": ["INVALID_ATTRIBUTE"]}]

        if not isinstance(body, dict) or not body.get("productType"):
            return issue("productType is required")
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches:
            return issue("patches must hold at least one operation")
        for patch in patches:
            if not isinstance(patch, dict) or patch.get("op") not in ("add", "replace", "merge"):
                return issue("only add, replace or merge of quantities are supported here")
            if patch.get("path") != "/attributes/fulfillment_availability":
                return issue(f"path {patch.get('path')!r} is not supported by the twin")
            for value in patch.get("value") or []:
                quantity = value.get("quantity") if isinstance(value, dict) else None
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                    return issue("quantity must be a whole number >= 0")
        return []

    async def _create_document(self, request: Request) -> Response:
        headers = self._guard(request)
        body = await self._json(request)
        content_type = body.get("contentType") if isinstance(body, dict) else None
        if not isinstance(content_type, str) or not content_type:
            raise _fail(400, "Invalid Input", "contentType is required.", headers=headers)
        with self.state.lock:
            doc_id = self.state.new_document(content_type)
        url = str(request.base_url).rstrip("/") + f"/_feed-documents/{doc_id}"
        return JSONResponse({"feedDocumentId": doc_id, "url": url}, status_code=201,
                            headers=headers)

    async def _upload(self, request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        content = await request.body()
        with self.state.lock:
            document = self.state.documents.get(doc_id)
            if document is None:
                return Response("NoSuchKey", status_code=404)
            if request.headers.get("content-type") != document["contentType"]:
                return Response("Content-Type does not match the document", status_code=403)
            document["content"] = content
        return Response(status_code=200)

    async def _create_feed(self, request: Request) -> Response:
        headers = self._guard(request)
        body = await self._json(request)
        if not isinstance(body, dict):
            raise _fail(400, "Invalid Input", "body must be an object", headers=headers)
        markets = body.get("marketplaceIds")
        if body.get("feedType") not in FEED_TYPES:
            raise _fail(400, "Invalid Input", f"the twin knows {', '.join(FEED_TYPES)} only",
                        headers=headers)
        if not isinstance(markets, list) or self.marketplace_id not in markets:
            raise _fail(400, "Invalid Input", "marketplaceIds invalid", headers=headers)
        with self.state.lock:
            if body.get("inputFeedDocumentId") not in self.state.documents:
                raise _fail(400, "Invalid Input", "inputFeedDocumentId unknown",
                            headers=headers)
            feed = self.state.new_feed(body["inputFeedDocumentId"], markets, body["feedType"])
        return JSONResponse({"feedId": feed.feed_id}, status_code=202, headers=headers)

    async def _get_feed(self, request: Request) -> Response:
        headers = self._guard(request)
        with self.state.lock:
            feed = self.state.feeds.get(request.path_params["feed_id"])
            if feed is None:
                raise _fail(404, "Feed not found.", headers=headers)
            return JSONResponse(self.state.poll(feed).public(), headers=headers)

    async def _get_feeds(self, request: Request) -> Response:
        """getFeeds: feedTypes (required without nextToken), createdSince/Until, pageSize
        (1..100, default 10), processingStatuses; newest first, nextToken pages."""
        headers = self._guard(request)
        query = request.query_params
        with self.state.lock:
            fulfillment.tick(self.state)  # Amazon works through its queue meanwhile
            token = query.get("nextToken")
            if token:
                if token not in self.state.page_tokens:
                    raise _fail(400, "Invalid Input", "nextToken is invalid.", headers=headers)
                ids, offset = self.state.page_tokens.pop(token)
                size = int(query.get("pageSize") or 10)
            else:
                types = set(filter(None, (query.get("feedTypes") or "").split(",")))
                if not types:
                    raise _fail(400, "Invalid Input", "feedTypes is required.", headers=headers)
                size_text = query.get("pageSize") or "10"
                if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
                    raise _fail(400, "Invalid Input", "pageSize must be 1 to 100.",
                                headers=headers)
                size, offset = int(size_text), 0
                ids = self._feed_ids(query, types, headers)
            page = [self.state.feeds[i].public() for i in ids[offset:offset + size]]
            body: dict[str, Any] = {"feeds": page}
            if offset + size < len(ids):
                body["nextToken"] = self.state.new_page_token(ids, offset + size)
        return JSONResponse(body, headers=headers)

    def _feed_ids(self, query: Any, types: set[str], headers: dict[str, str]) -> list[str]:
        def moment(key: str) -> datetime | None:
            text = query.get(key)
            if not text:
                return None
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise _fail(400, "Invalid Input", f"{key} is not ISO 8601.",
                            headers=headers) from None

        since, until = moment("createdSince"), moment("createdUntil")
        statuses = set(filter(None, (query.get("processingStatuses") or "").split(",")))
        found = [feed for feed in self.state.feeds.values()
                 if feed.feed_type in types
                 and (since is None or feed.created >= since)
                 and (until is None or feed.created <= until)
                 and (not statuses or feed.status in statuses)]
        return [f.feed_id for f in sorted(found, key=lambda f: (f.created, int(f.feed_id)),
                                          reverse=True)]

    async def _get_document(self, request: Request) -> Response:
        """getFeedDocument: where to download a (result) document."""
        headers = self._guard(request)
        doc_id = request.path_params["doc_id"]
        with self.state.lock:
            if doc_id not in self.state.documents:
                raise _fail(404, f"Feed document {doc_id} not found.", headers=headers)
        url = str(request.base_url).rstrip("/") + f"/_feed-documents/{doc_id}"
        return JSONResponse({"feedDocumentId": doc_id, "url": url}, headers=headers)

    async def _download(self, request: Request) -> Response:
        """The presigned URL of a document (no token, like S3)."""
        with self.state.lock:
            document = self.state.documents.get(request.path_params["doc_id"])
            content = None if document is None else document["content"]
        if content is None:
            return Response("NoSuchKey", status_code=404)
        return Response(content, media_type=document["contentType"])  # type: ignore[index]
