"""bol.com offers for stock sync: the offers export (SKU -> offer id, by the offer's
reference), stock updates per offer, and process statuses in bulk. A mixin of
``BolcomConnector``.

- Offers export: ``POST /retailer/offers/export {"format": "CSV"}`` -> ProcessStatus; when
  it is SUCCESS its ``entityId`` is the report id; ``GET /retailer/offers/export/{id}`` with
  ``Accept: application/vnd.retailer.v10+csv`` gives the CSV (``offerId``, ``ean``,
  ``referenceCode``, ``stockAmount``, ``fulfilmentType``, ...).
- Stock: ``PUT /retailer/offers/{offer-id}/stock {amount, managedByRetailer}`` -> 202
  ProcessStatus. ``amount`` is 0..999. ``managedByRetailer`` is sent as true: the hub's
  quantity already leaves out the open orders it knows of, and with true bol.com only
  subtracts orders placed after the update (false would subtract every open order a second
  time).
- ``POST /shared/process-status`` with up to 1000 ids: the state of many writes in one call.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import quote

from ordersync.connectors.bolcom import mapping
from ordersync.http import ApiClient, FatalError, RateLimiter, UncertainWrite, Unlimited
from ordersync.orders import ProcessResult
from ordersync.stock.model import Offer

CSV_MEDIA = "application/vnd.retailer.v10+csv"
MEDIA = "application/vnd.retailer.v10+json"
MAX_STOCK = 999  # UpdateOfferStockRequest.amount maximum
BULK_STATUSES = 1000  # BulkProcessStatusRequest.processStatusQueries maxItems
STOCK_EVENT = "UPDATE_OFFER_STOCK"


def parse_export(text: str) -> list[Offer]:
    """The offers export CSV -> offers (rows without an offerId are skipped)."""
    offers = []
    for row in csv.DictReader(io.StringIO(text)):
        offer_id = (row.get("offerId") or "").strip()
        if not offer_id:
            continue
        stock = (row.get("stockAmount") or "").strip()
        offers.append(Offer(
            offer_id=offer_id, sku=(row.get("referenceCode") or "").strip() or None,
            ean=(row.get("ean") or "").strip() or None,
            fulfilment=(row.get("fulfilmentType") or "").strip() or None,
            stock=int(stock) if stock.isdigit() else None,
        ))
    return offers


class OfferStock:
    """Needs ``client``, ``platform``, ``_call`` and ``_limiters`` (from BolcomConnector)."""

    platform: str
    client: ApiClient
    _limiters: dict[str, RateLimiter | Unlimited]
    _call: Callable[..., dict[str, Any]]
    max_quantity = MAX_STOCK

    def request_offer_export(self) -> str:
        """Ask for a CSV export of every offer; the process status id to follow."""
        answer = self._call("POST", "/retailer/offers/export", body={"format": "CSV"})
        ref = answer.get("processStatusId")
        if not ref:
            raise UncertainWrite("POST /retailer/offers/export: no processStatusId",
                                 platform=self.platform)
        return str(ref)

    def offer_export_report(self, process_id: str) -> str | None:
        """The report id once the export is ready, None while it is being made."""
        status = self._call("GET", f"/shared/process-status/{quote(process_id, safe='')}")
        result = mapping.process_result(status)
        if result.state == "failure":
            raise FatalError(f"offer export {process_id} failed", platform=self.platform,
                             detail=result.message or str(status.get("status")))
        return str(status["entityId"]) if result.state == "success" else None

    def offer_export(self, report_id: str) -> list[Offer]:
        """The offers of a ready export."""
        response = self.client.request(
            "GET", f"/retailer/offers/export/{quote(report_id, safe='')}",
            headers={"Accept": CSV_MEDIA}, limiter=self._limiters.get("offers"))
        return parse_export(response.text)

    def set_stock(self, offer_id: str, amount: int) -> str:
        """Set an offer's stock; the process status id. An absolute value, so a repeat is
        harmless: 5xx and timeouts are retried like a read."""
        if isinstance(amount, bool) or not isinstance(amount, int) or not (
                0 <= amount <= MAX_STOCK):
            raise ValueError(f"bol.com stock amount {amount!r} must be 0..{MAX_STOCK}")
        answer = self._call("PUT", f"/retailer/offers/{quote(offer_id, safe='')}/stock",
                            body={"amount": amount, "managedByRetailer": True},
                            idempotent=True)
        ref = answer.get("processStatusId")
        if not ref:
            raise UncertainWrite(f"PUT stock of offer {offer_id}: no processStatusId",
                                 platform=self.platform)
        return str(ref)

    def process_statuses(self, ids: Collection[str]) -> dict[str, ProcessResult]:
        """State of many asynchronous writes (1000 per request); ids bol.com no longer
        keeps are left out."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, ProcessResult] = {}
        for start in range(0, len(wanted), BULK_STATUSES):
            body = {"processStatusQueries": [{"processStatusId": i}
                                             for i in wanted[start:start + BULK_STATUSES]]}
            response = self.client.request(
                "POST", "/shared/process-status", content=json.dumps(body).encode(),
                headers={"Content-Type": MEDIA}, idempotent=True,
                limiter=self._limiters.get("process-status"))
            for status in response.json().get("processStatuses") or []:
                if isinstance(status, dict) and status.get("processStatusId"):
                    found[str(status["processStatusId"])] = mapping.process_result(status)
        return found

    def stock_processes(self, offer_id: str) -> list[dict[str, Any]]:
        """The offer's stock-update process statuses, newest first (reconciliation of a
        write whose answer was lost)."""
        body = self._call("GET", "/shared/process-status",
                          params={"entity-id": offer_id, "event-type": STOCK_EVENT})
        return [p for p in body.get("processStatuses") or [] if isinstance(p, dict)]
