"""In-memory state of the bol.com twin: orders, offers, asynchronous processes, shipments.

Writes are asynchronous like on bol.com: a request creates a PENDING process; the process is
settled (its effect applied, SUCCESS or FAILURE) after ``process_delay_polls`` polls of its
status, or as soon as an affected order or offer is read (bol.com's queue does not wait for
anyone to poll), or - when ``process_delay_seconds`` is set - that long after it was created,
by a background timer. ``listeners`` are called with each process as it settles (under the
lock: they must only queue work).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ordersync.sandbox.bolcom.listing import OrderQuery

API = "https://api.bol.com"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


DEFAULT_ADDRESS: dict[str, Any] = {
    "salutation": "FEMALE",
    "firstName": "Anne",
    "surname": "de Vries",
    "streetName": "Oudegracht",
    "houseNumber": "142",
    "houseNumberExtension": "bis",
    "zipCode": "3511AZ",
    "city": "Utrecht",
    "countryCode": "NL",
    "email": "2azc7qbkfn5bmwdzlqtzvh3xf4ur2u@verkopen.bol.com",
    "language": "nl",
}


@dataclass
class Process:
    """A queued write: ``effect`` returns an error message (FAILURE) or None (SUCCESS)."""

    id: str
    entity_id: str
    event_type: str
    description: str
    created: datetime
    keys: frozenset[str]  # "order:{id}" / "offer:{id}" this process touches
    effect: Callable[[], str | None]
    polls_left: int
    status: str = "PENDING"
    error: str | None = None

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "processStatusId": self.id,
            "entityId": self.entity_id,
            "eventType": self.event_type,
            "description": self.description,
            "status": self.status,
            "createTimestamp": iso(self.created),
            "links": [{"rel": "self", "href": f"{API}/shared/process-status/{self.id}",
                       "type": "application/vnd.retailer.v10+json"}],
        }
        if self.error:
            body["errorMessage"] = self.error
        return body


@dataclass
class BolcomState:
    now: Callable[[], datetime]
    process_delay_polls: int = 1
    process_delay_seconds: float | None = None
    listeners: list[Callable[[Process], None]] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    shipments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by order id
    item_index: dict[str, str] = field(default_factory=dict)  # orderItemId -> orderId
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    def _next(self, base: int) -> str:
        return str(base + next(self._ids))

    # -- orders -----------------------------------------------------------------------

    def item_owner(self, item_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        indexed = self.orders.get(self.item_index.get(item_id, ""))
        for order in [indexed] if indexed else self.orders.values():
            for item in order.get("orderItems") or []:
                if isinstance(item, dict) and item.get("orderItemId") == item_id:
                    return order, item
        return None

    def place_order(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Create an order as a buyer would (see the control API for ``spec``)."""
        with self.lock:
            now = self.now()
            placed = spec.get("orderPlacedDateTime") or iso(now)
            order_id = str(spec.get("orderId") or self._next(1_000_000_000))
            if order_id in self.orders:
                raise ValueError(f"order {order_id} exists")
            items = [self._item(raw, now) for raw in spec.get("items") or []]
            if not items:
                raise ValueError("an order needs items")
            shipping = {**DEFAULT_ADDRESS, **(spec.get("shipmentDetails") or {})}
            billing = {**DEFAULT_ADDRESS, **(spec.get("billingDetails") or {})}
            billing.pop("language", None)
            order = {
                "orderId": order_id,
                "pickupPoint": bool(spec.get("pickupPoint", False)),
                "orderPlacedDateTime": placed,
                "shipmentDetails": shipping,
                "billingDetails": billing,
                "orderItems": items,
            }
            return self.put_order(order)

    def put_order(self, order: dict[str, Any]) -> dict[str, Any]:
        """Store an order JSON as is (also a malformed one, to test quarantine)."""
        with self.lock:
            self.orders[str(order.get("orderId"))] = order
            for item in order.get("orderItems") or []:
                if isinstance(item, dict) and item.get("orderItemId"):
                    self.item_index[str(item["orderItemId"])] = str(order.get("orderId"))
            return order

    def _item(self, raw: dict[str, Any], now: datetime) -> dict[str, Any]:
        quantity = int(raw.get("quantity", 1))
        price = float(raw.get("unitPrice", 9.99))
        ean = str(raw.get("ean") or "8710400000000")
        offer_id = str(raw.get("offerId") or uuid.uuid4())
        reference = raw.get("offerReference")
        offer = {"offerId": offer_id}
        if reference:
            offer["reference"] = str(reference)
        self.offers.setdefault(offer_id, {
            "offerId": offer_id, "ean": ean, "reference": reference,
            "title": raw.get("title"), "price": price, "amount": 10,
            "managedByRetailer": False,
        })
        return {
            "orderItemId": str(raw.get("orderItemId") or self._next(2_000_000_000)),
            "cancellationRequest": False,
            "fulfilment": {
                "method": str(raw.get("fulfilmentMethod", "FBR")),
                "distributionParty": str(raw.get("distributionParty", "RETAILER")),
                "latestDeliveryDate": (now + timedelta(days=2)).date().isoformat(),
                "timeFrameType": "REGULAR",
            },
            "offer": offer,
            "product": {"ean": ean, "title": str(raw.get("title") or "Sandbox product")},
            "quantity": quantity,
            "quantityShipped": 0,
            "quantityCancelled": 0,
            "unitPrice": price,
            "totalPrice": round(price * quantity, 2),
            "discounts": [],
            "commission": round(price * quantity * 0.15, 2),
            "latestChangedDateTime": iso(now),
        }

    def request_cancellation(self, order_id: str, item_ids: list[str] | None = None) -> dict:
        """The buyer asks to cancel (open items, or the listed ones)."""
        with self.lock:
            order = self.orders[order_id]
            for item in order["orderItems"]:
                if item_ids and item["orderItemId"] not in item_ids:
                    continue
                if _open_quantity(item) > 0:
                    item["cancellationRequest"] = True
                    item["latestChangedDateTime"] = iso(self.now())
            return order

    def cancel_by_bol(self, order_id: str, item_ids: list[str] | None = None,
                      quantity: int | None = None) -> dict:
        """bol.com itself cancels open units (of the listed items, or all; ``quantity`` at
        most per item), as its customer service does when a buyer cancels before the
        retailer shipped."""
        with self.lock:
            order = self.orders[order_id]
            for item in order["orderItems"]:
                if item_ids and item["orderItemId"] not in item_ids:
                    continue
                left = _open_quantity(item)
                cut = left if quantity is None else min(quantity, left)
                if cut > 0:
                    item["quantityCancelled"] += cut
                    item["cancellationReason"] = "CANCELLED_BY_BOL"
                    item["latestChangedDateTime"] = iso(self.now())
            return order

    def cancellation_reasons(self, order_id: str) -> dict[str, str]:
        """{item id: reasonCode} of the order's cancelled items (twin bookkeeping)."""
        with self.lock:
            self.settle(f"order:{order_id}")
            return {i["orderItemId"]: i["cancellationReason"]
                    for i in self.orders[order_id]["orderItems"] if i.get("cancellationReason")}

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.lock:
            self.settle(f"order:{order_id}")
            return self.orders.get(order_id)

    def listing(self, query: OrderQuery) -> list[dict[str, Any]]:
        """ReducedOrder views matching the query's filters (not its page), oldest first."""
        with self.lock:
            self.settle(None)
            result = []
            status = query.status
            for order in self.orders.values():
                items = [i for i in order.get("orderItems") or [] if isinstance(i, dict)]
                items = [i for i in items if query.keeps(i, _changed(i))]
                if status == "OPEN":
                    items = [i for i in items if _open_quantity(i) > 0]
                elif status == "SHIPPED":
                    items = [i for i in items if (i.get("quantityShipped") or 0) > 0]
                if items:
                    result.append(_reduced(order, items))
            return result

    # -- writes -----------------------------------------------------------------------

    def enqueue(self, entity_id: str, event_type: str, description: str,
                keys: set[str], effect: Callable[[], str | None]) -> Process:
        with self.lock:
            process = Process(
                id=self._next(0), entity_id=entity_id, event_type=event_type,
                description=description, created=self.now(), keys=frozenset(keys),
                effect=effect, polls_left=self.process_delay_polls,
            )
            self.processes[process.id] = process
            if process.polls_left <= 0:
                self._run(process)
            elif self.process_delay_seconds is not None:
                timer = threading.Timer(self.process_delay_seconds, self._settle_one,
                                        (process.id,))
                timer.daemon = True
                timer.start()
            return process

    def _settle_one(self, process_id: str) -> None:
        """Settle a process (and the earlier pending ones it depends on) if still pending."""
        with self.lock:
            process = self.processes.get(process_id)
            if process is not None and process.status == "PENDING":
                self._run_in_order(process)

    def poll(self, process_id: str) -> Process | None:
        with self.lock:
            process = self.processes.get(process_id)
            if process is not None and process.status == "PENDING":
                if process.polls_left <= 0:
                    self._run_in_order(process)
                process.polls_left -= 1
            return process

    def _run_in_order(self, process: Process) -> None:
        for earlier in list(self.processes.values()):  # bol.com's queue is FIFO
            if earlier is process:
                break
            if earlier.status == "PENDING" and earlier.keys & process.keys:
                self._run(earlier)
        self._run(process)

    def settle(self, key: str | None) -> None:
        """Run every pending process touching ``key`` (all of them when None), in order."""
        for process in list(self.processes.values()):
            if process.status == "PENDING" and (key is None or key in process.keys):
                self._run(process)

    def _run(self, process: Process) -> None:
        error = process.effect()
        process.status, process.error = ("FAILURE", error) if error else ("SUCCESS", None)
        for listener in self.listeners:
            listener(process)

    def ship(self, items: list[dict[str, Any]], transport: dict[str, Any] | None,
             reference: str | None) -> Process:
        """Queue a shipment of known items (validated by the caller)."""
        orders = {self.item_owner(i["orderItemId"])[0]["orderId"] for i in items}  # type: ignore[index]

        def effect() -> str | None:
            owners = [self.item_owner(i["orderItemId"]) for i in items]
            for want, owner in zip(items, owners, strict=True):
                assert owner is not None
                left = _open_quantity(owner[1])
                quantity = want.get("quantity") or left
                if quantity > left or left <= 0:
                    return (f"Order item {want['orderItemId']}: quantity {quantity} exceeds "
                            f"the open quantity {left}.")
            stamp = iso(self.now())
            shipment_id = self._next(3_000_000_000)
            for want, owner in zip(items, owners, strict=True):
                order, item = owner  # type: ignore[misc]
                quantity = want.get("quantity") or _open_quantity(item)
                item["quantityShipped"] += quantity
                item["latestChangedDateTime"] = stamp
                self.shipments.setdefault(order["orderId"], []).append({
                    "shipmentId": shipment_id,
                    "orderItemId": item["orderItemId"],
                    "quantity": quantity,
                    "transporterCode": (transport or {}).get("transporterCode"),
                    "trackAndTrace": (transport or {}).get("trackAndTrace"),
                    "shipmentReference": reference,
                    "shippedAt": stamp,
                })
            return None

        first = items[0]["orderItemId"]
        return self.enqueue(first, "CREATE_SHIPMENT",
                            f"Example process status description for processing {first}.",
                            {f"order:{o}" for o in orders}, effect)

    def cancel(self, item_id: str, reason: str) -> Process:
        order, item = self.item_owner(item_id)  # type: ignore[misc]

        def effect() -> str | None:
            left = _open_quantity(item)
            if left <= 0:
                return f"Order item {item_id} has no open quantity to cancel."
            item["quantityCancelled"] += left
            item["cancellationReason"] = reason  # twin-only bookkeeping, not in responses
            item["latestChangedDateTime"] = iso(self.now())
            return None

        return self.enqueue(item_id, "CANCEL_ORDER",
                            f"Cancellation of order item {item_id} ({reason}).",
                            {f"order:{order['orderId']}"}, effect)

    def update_stock(self, offer_id: str, amount: int, managed: bool) -> Process:
        def effect() -> str | None:
            if offer_id not in self.offers:
                return f"Offer {offer_id} not found."
            self.offers[offer_id].update(amount=amount, managedByRetailer=managed)
            return None

        return self.enqueue(offer_id, "UPDATE_OFFER_STOCK",
                            f"Stock update of offer {offer_id}.", {f"offer:{offer_id}"}, effect)

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        with self.lock:
            self.settle(f"offer:{offer_id}")
            offer = self.offers.get(offer_id)
            return None if offer is None else _retailer_offer(offer)


def _changed(item: dict[str, Any]) -> datetime | None:
    """The item's latestChangedDateTime (None when missing or malformed)."""
    try:
        moment = datetime.fromisoformat(str(item.get("latestChangedDateTime")))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _open_quantity(item: dict[str, Any]) -> int:
    return ((item.get("quantity") or 0) - (item.get("quantityShipped") or 0)
            - (item.get("quantityCancelled") or 0))


def public_order(order: dict[str, Any]) -> dict[str, Any]:
    """An Order as GET /retailer/orders/{id} returns it (twin bookkeeping stripped)."""
    items = [
        {k: v for k, v in i.items() if k != "cancellationReason"} if isinstance(i, dict) else i
        for i in order.get("orderItems") or []
    ]
    return {**order, "orderItems": items}


def _reduced(order: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "orderId": order.get("orderId"),
        "orderPlacedDateTime": order.get("orderPlacedDateTime"),
        "orderItems": [
            {
                "orderItemId": i.get("orderItemId"),
                "ean": (i.get("product") or {}).get("ean", ""),
                "fulfilmentMethod": (i.get("fulfilment") or {}).get("method", "FBR"),
                "fulfilmentStatus": "OPEN" if _open_quantity(i) > 0 else "HANDLED",
                "quantity": i.get("quantity", 0),
                "quantityShipped": i.get("quantityShipped", 0),
                "quantityCancelled": i.get("quantityCancelled", 0),
                "cancellationRequest": bool(i.get("cancellationRequest")),
                "latestChangedDateTime": i.get("latestChangedDateTime"),
            }
            for i in items
        ],
    }


def _retailer_offer(offer: dict[str, Any]) -> dict[str, Any]:
    body = {
        "offerId": offer["offerId"],
        "ean": offer["ean"],
        "onHoldByRetailer": False,
        "pricing": {"bundlePrices": [{"quantity": 1, "unitPrice": max(1, offer["price"])}]},
        "stock": {"amount": offer["amount"], "correctedStock": offer["amount"],
                  "managedByRetailer": offer["managedByRetailer"]},
        "fulfilment": {"method": "FBR", "deliveryCode": "1-2d"},
        "store": {"productTitle": offer.get("title") or "Sandbox product", "visible": []},
        "condition": {"name": "NEW", "category": "NEW"},
        "notPublishableReasons": [],
    }
    if offer.get("reference"):
        body["reference"] = offer["reference"]
    return body
