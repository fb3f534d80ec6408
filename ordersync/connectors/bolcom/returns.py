"""bol.com returns (Retailer API v10): list, read and handle the buyers' returns. A mixin of
``BolcomConnector`` (needs its ``_call`` and ``_accepted``); a ``ReturnSource``.

- ``GET /retailer/returns?page=&handled=true|false&fulfilment-method=FBR`` -> ReturnsResponse
  (50 ReducedReturns a page; an empty ``returns`` past the last page).
- ``GET /retailer/returns/{return-id}`` -> Return (its items with ``handled`` and
  ``processingResults``).
- ``PUT /retailer/returns/{rma-id}`` ``{handlingResult, quantityReturned}`` -> 202
  ProcessStatus (event type ``HANDLE_RETURN_ITEM``, entity id = the RMA id), settled
  asynchronously like a shipment.

A v10 return item names its order (``orderId``) and product (``ean``), not the order item:
the hub links it to the order line by EAN.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ordersync.connectors.bolcom import mapping
from ordersync.connectors.parsing import MappingError
from ordersync.connectors.parsing import text as _text
from ordersync.orders import ErrorReason, ProcessResult, Quarantined, WriteReceipt
from ordersync.orders.limits import MAX_EAN, MAX_EXTERNAL_ID, LimitError, check_text
from ordersync.orders.returns import MarketplaceReturn, ReturnsPage

log = logging.getLogger("ordersync.connectors.bolcom")

HANDLE_EVENT = "HANDLE_RETURN_ITEM"
MAX_RETURN_PAGES = 10_000  # a safety stop; 50 returns a page


def return_items(data: Mapping[str, Any], account: str) -> ReturnsPage:
    """A (Reduced)Return -> one MarketplaceReturn per item; unusable items quarantined."""
    good: list[MarketplaceReturn] = []
    bad: list[Quarantined] = []
    return_id = _text(data.get("returnId"))
    for index, item in enumerate(data.get("returnItems") or []):
        rma = _text(item.get("rmaId")) if isinstance(item, Mapping) else None
        try:
            good.append(_item(data, item, account, return_id, index))
        except (MappingError, LimitError) as exc:
            reason = getattr(exc, "reason", ErrorReason.VALUE_LIMIT)
            bad.append(Quarantined(rma, reason, f"return {return_id} item {index}: {exc}",
                                   dict(item) if isinstance(item, Mapping) else {}))
    return ReturnsPage(tuple(good), tuple(bad))


def _item(data: Mapping[str, Any], item: Any, account: str, return_id: str | None,
          index: int) -> MarketplaceReturn:
    what = f"returnItems[{index}]"
    if not isinstance(item, Mapping):
        raise MappingError(ErrorReason.VALIDATION, f"{what} is not an object")
    if not return_id:
        raise MappingError(ErrorReason.VALIDATION, "returnId missing")
    rma, order_id = _text(item.get("rmaId")), _text(item.get("orderId"))
    if not rma or not order_id:
        raise MappingError(ErrorReason.VALIDATION, f"{what}: rmaId and orderId are required")
    for value, name, size in ((rma, "rmaId", MAX_EXTERNAL_ID), (order_id, "orderId",
                              MAX_EXTERNAL_ID), (return_id, "returnId", MAX_EXTERNAL_ID),
                              (_text(item.get("ean")), "ean", MAX_EAN)):
        check_text(value, f"{what}.{name}", size)
    quantity = item.get("expectedQuantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= 9999:
        raise MappingError(ErrorReason.VALIDATION,
                           f"{what}.expectedQuantity {quantity!r} is not a quantity")
    reason = item.get("returnReason") if isinstance(item.get("returnReason"), Mapping) else {}
    results = [r for r in item.get("processingResults") or [] if isinstance(r, Mapping)]
    return MarketplaceReturn(
        platform=mapping.PLATFORM, account=account, rma_id=rma, return_id=return_id,
        order_id=order_id, quantity=quantity,
        reason=(_text(reason.get("mainReason")) or "")[:500],
        detailed_reason=(_text(reason.get("detailedReason")) or None),
        comments=(_text(reason.get("customerComments")) or None),
        registered_at=mapping.parse_datetime(data.get("registrationDateTime"),
                                             "registrationDateTime"),
        handled=item.get("handled") is True, ean=_text(item.get("ean")),
        handling_result=_text(results[-1].get("handlingResult")) if results else None,
    )


class BolcomReturns:
    """Needs ``account``, ``fulfilment_method``, ``_call`` and ``_accepted``."""

    account: str
    fulfilment_method: str
    _call: Any
    _accepted: Any

    def fetch_returns(self, handled: bool) -> Iterator[ReturnsPage]:
        """Pages of (un)handled returns until an empty page (or a page that repeats)."""
        seen: set[str] = set()
        for page in range(1, MAX_RETURN_PAGES + 1):
            params: dict[str, Any] = {"page": page, "handled": "true" if handled else "false"}
            if self.fulfilment_method in ("FBR", "FBB"):  # the returns filter has no ALL
                params["fulfilment-method"] = self.fulfilment_method
            data = self._call("GET", "/retailer/returns", params=params)
            rows = [r for r in data.get("returns") or [] if isinstance(r, Mapping)]
            if not rows:
                return
            ids = {str(r.get("returnId")) for r in rows}
            if seen.issuperset(ids):
                log.warning("bolcom: returns page %d repeats earlier returns; stopping", page)
                return
            seen.update(ids)
            pages = [return_items(r, self.account) for r in rows]
            yield ReturnsPage(tuple(x for p in pages for x in p.returns),
                              tuple(x for p in pages for x in p.rejected))

    def handle_return(self, rma_id: str, quantity: int, result: str) -> WriteReceipt:
        """``PUT /retailer/returns/{rma-id}``: accepted asynchronously (202 ProcessStatus).
        Not idempotent: a timeout or 5xx raises UncertainWrite for the caller to reconcile
        with ``return_handling``."""
        body = {"handlingResult": result, "quantityReturned": quantity}
        answer = self._call("PUT", f"/retailer/returns/{quote(rma_id, safe='')}", body=body,
                            idempotent=False)
        return WriteReceipt(done=False,
                            ref=self._accepted("PUT /retailer/returns/{rma-id}", answer))

    def return_handling(self, rma_id: str, return_id: str) -> ProcessResult | None:
        """"success" when bol.com shows the item handled, "pending" (process id as message)
        while a handling of it is queued, None when neither (safe to send)."""
        data = self._call("GET", f"/retailer/returns/{quote(return_id, safe='')}")
        for item in data.get("returnItems") or []:
            if isinstance(item, Mapping) and str(item.get("rmaId")) == rma_id \
                    and item.get("handled") is True:
                return ProcessResult("success")
        body = self._call("GET", "/shared/process-status",
                          params={"entity-id": rma_id, "event-type": HANDLE_EVENT})
        for process in body.get("processStatuses") or []:
            if process.get("status") == "PENDING" and process.get("processStatusId"):
                return ProcessResult("pending", str(process["processStatusId"]))
        return None
