"""The bol.com twin's offer routes for stock sync: the offers export (how a retailer learns
its offer ids) and the bulk process-status query. A mixin of ``BolcomTwin``.

- ``POST /retailer/offers/export`` ``{"format": "CSV"}`` -> 202 ProcessStatus
  (``eventType`` CREATE_OFFER_EXPORT, ``entityId`` = the report id). The file is written when
  the process settles (after ``process_delay_polls`` polls of its status).
- ``GET /retailer/offers/export/{report-id}`` (``Accept: application/vnd.retailer.v10+csv``)
  -> the CSV: ``offerId,ean,conditionName,conditionCategory,conditionComment,
  bundlePricesPrice,fulfilmentDeliveryCode,stockAmount,onHoldByRetailer,fulfilmentType,
  mutationDateTime,referenceCode``, one row per offer; 404 Problem until it is ready.
- ``POST /shared/process-status`` ``{"processStatusQueries": [{"processStatusId"}]}`` (1 to
  1000 ids; retailer or advertiser media type, as shared.json lists both) ->
  ``{"processStatuses": [...]}``; each id counts as a poll; unknown ids are left out (bol.com
  drops old process statuses).

Python helpers: ``add_offer(reference, ...)``, ``seed_offers(references, amount)``,
``offer_of(reference)``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ordersync.sandbox.bolcom.state import BolcomState

CSV_MEDIA = "application/vnd.retailer.v10+csv"
MEDIA = "application/vnd.retailer.v10+json"
ADVERTISER_MEDIA = "application/vnd.advertiser.v10+json"  # shared.json's process status too
EXPORT_COLUMNS = ("offerId", "ean", "conditionName", "conditionCategory", "conditionComment",
                  "bundlePricesPrice", "fulfilmentDeliveryCode", "stockAmount",
                  "onHoldByRetailer", "fulfilmentType", "mutationDateTime", "referenceCode")
MAX_BULK = 1000


class OfferRoutes:
    """Needs ``state`` and the twin's request helpers (``_guard``, ``_ok``, ``_problem``,
    ``_json_body``)."""

    state: BolcomState
    exports: dict[str, str]  # report id -> CSV text, once written
    _guard: Callable[..., tuple[str, dict[str, str]]]
    _ok: Callable[..., Response]
    _problem: Callable[..., Response]
    _json_body: Callable[..., Any]

    # -- Python-side helpers --------------------------------------------------------------

    def add_offer(self, reference: str | None, *, ean: str | None = None, amount: int = 0,
                  offer_id: str | None = None, fulfilment: str = "FBR",
                  price: float = 9.99) -> str:
        """An offer of the retailer (as if created in the seller portal); its offer id."""
        offer_id = offer_id or str(uuid.uuid4())
        with self.state.lock:
            self.state.offers[offer_id] = {
                "offerId": offer_id, "ean": ean or _ean(offer_id),
                "reference": reference, "title": reference, "price": price, "amount": amount,
                "managedByRetailer": False, "fulfilment": fulfilment,
                "mutated": self.state.now(),
            }
        return offer_id

    def seed_offers(self, references: Iterable[str], amount: int = 0) -> dict[str, str]:
        """Many offers at once (benchmarks); reference -> offer id."""
        return {ref: self.add_offer(ref, amount=amount, offer_id=f"offer-{ref}")
                for ref in references}

    def offer_of(self, reference: str) -> dict[str, Any]:
        """The stored offer with this reference (its ``amount`` is the stock sent)."""
        with self.state.lock:
            self.state.settle(None)
            for offer in self.state.offers.values():
                if offer.get("reference") == reference:
                    return dict(offer)
        raise KeyError(reference)

    # -- routes ---------------------------------------------------------------------------

    def offer_routes(self) -> list[tuple[str, Callable[..., Any], list[str]]]:
        return [
            ("/retailer/offers/export", self._export_request, ["POST"]),
            ("/retailer/offers/export/{report_id}", self._export_file, ["GET"]),
            ("/shared/process-status", self._process_bulk, ["POST"]),
        ]

    async def _export_request(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        if not isinstance(body, dict) or body.get("format") != "CSV":
            return self._problem(request, 400, "Bad request", [
                {"name": "format", "reason": "Request contains invalid value(s), allowed "
                                             "values: CSV."}], headers)
        report_id = str(uuid.uuid4())

        def effect() -> str | None:
            self.exports[report_id] = self._export_csv()
            return None

        process = self.state.enqueue(report_id, "CREATE_OFFER_EXPORT",
                                     "Create offer export.", {"offers-export"}, effect)
        return self._ok(process.json(), headers, 202)

    def _export_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for offer in self.state.offers.values():
            mutated = offer.get("mutated") or self.state.now()
            writer.writerow([
                offer["offerId"], offer["ean"], "NEW", "NEW", "", f"{offer['price']:.2f}",
                "1-2d", offer["amount"], "false", offer.get("fulfilment", "FBR"),
                mutated.strftime("%Y-%m-%d %H:%M:%S.%f")[:-4] + " UTC",
                offer.get("reference") or "",
            ])
        return out.getvalue()

    async def _export_file(self, request: Request) -> Response:
        _, headers = self._guard(request, accept=(CSV_MEDIA,))
        report_id = request.path_params["report_id"]
        with self.state.lock:
            self.state.settle("offers-export")
            text = self.exports.get(report_id)
        if text is None:
            return self._problem(request, 404, f"Report {report_id} not found.",
                                 headers=headers, media=CSV_MEDIA)
        return Response(text, headers=headers, media_type=f"{CSV_MEDIA};charset=UTF-8")

    async def _process_bulk(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True, accept=(MEDIA, ADVERTISER_MEDIA))
        body = await self._json_body(request)
        queries = body.get("processStatusQueries") if isinstance(body, dict) else None
        if (not isinstance(queries, list) or not 1 <= len(queries) <= MAX_BULK
                or not all(isinstance(q, dict) and isinstance(q.get("processStatusId"), str)
                           for q in queries)):
            return self._problem(request, 400, "Bad request", [
                {"name": "processStatusQueries",
                 "reason": f"must hold 1 to {MAX_BULK} objects with a processStatusId"}],
                headers)
        found = []
        for query in queries:
            process = self.state.poll(query["processStatusId"])
            if process is not None:
                found.append(process.json())
        return self._ok({"processStatuses": found}, headers)


def _ean(seed: str) -> str:
    """A stable, valid-looking EAN-13 for a seeded offer."""
    body = "87" + str(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) % 10**10).zfill(10)
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)
