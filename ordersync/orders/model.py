"""The hub's order model: what every connector maps platform JSON into and out of."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordersync.orders.status import ErrorReason


@dataclass(frozen=True, slots=True)
class Address:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street: str | None = None
    house_number: str | None = None
    house_number_extension: str | None = None
    extra_address_info: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    email: str | None = None
    phone: str | None = None

    @property
    def address1(self) -> str:
        """Street line as most webshops want it: street, number and extension."""
        number = " ".join(p for p in (self.house_number, self.house_number_extension) if p)
        return " ".join(p for p in (self.street, number) if p)


ADDRESS_FIELDS = tuple(f.name for f in fields(Address))  # all plain text


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_id: str  # the marketplace's order-item id (needed to ship or cancel the line)
    quantity: int
    unit_price: Decimal
    sku: str | None = None  # the merchant's reference (bol.com offer reference)
    ean: str | None = None
    title: str | None = None
    offer_id: str | None = None

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class MarketplaceOrder:
    """An order as read from a marketplace, already validated by its connector."""

    platform: str
    account: str
    external_id: str
    placed_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]
    shipping_address: Address
    billing_address: Address | None = None
    test: bool = False  # test orders are never sent back to the marketplace
    cancellation_requested: bool = False
    pending: bool = False  # Amazon: payment not verified; no address, prices or e-mail yet

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))

    @property
    def reference(self) -> str:
        """The reference stored in the webshop to find this order again."""
        return f"{self.platform}:{self.external_id}"


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A payload a connector could not turn into an order, with the reason."""

    external_id: str | None
    reason: ErrorReason
    message: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MarketplaceCancellation:
    """A known order the marketplace (or its buyer) cancelled, wholly or line by line.

    ``remaining`` holds, per line the cancellation touches, the quantity the buyer still
    gets (0: the line is cancelled); lines not named keep their quantity. ``requested``: the
    buyer asked and the seller answers (bol.com cancellationRequest, Amazon
    BuyerRequestedCancel); else the marketplace has cancelled already."""

    external_id: str
    remaining: tuple[tuple[str, int], ...] = ()  # (line id, quantity left)
    requested: bool = False
    reason: str = ""
    whole: bool = False  # every line, whatever ``remaining`` says (e.g. Amazon Canceled)


@dataclass(frozen=True, slots=True)
class OrderBatch:
    """One page of marketplace orders: the good ones, and the ones set aside."""

    orders: tuple[MarketplaceOrder, ...] = ()
    rejected: tuple[Quarantined, ...] = ()
    cancellation_requests: tuple[str, ...] = ()  # known order ids whose buyer asked to cancel
    cancellations: tuple[MarketplaceCancellation, ...] = ()  # known orders, see above


@dataclass(frozen=True, slots=True)
class Tracking:
    number: str
    company: str | None = None  # carrier name the webshop gave, if any
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ParcelLine:
    """A quantity of one marketplace line, as the webshop reports it shipped or cancelled."""

    line_id: str  # the marketplace's order-item id (OrderLine.line_id), kept on the webshop line
    quantity: int


@dataclass(frozen=True, slots=True)
class Parcel:
    """One fulfilment in the webshop (a Shopify fulfillment, a WooCommerce tracking item, a
    Shopware delivery, a Magento shipment): its own lines, quantities and codes. Each parcel
    becomes its own shipment on the marketplace."""

    parcel_id: str  # the webshop's stable id of this fulfilment
    lines: tuple[ParcelLine, ...]  # empty: the platform does not say which lines (whole order)
    tracking: tuple[Tracking, ...] = ()
    shipped_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WebshopOrderState:
    """What the hub needs to know of an order in the webshop.

    ``tracking`` holds every code of the order (all parcels); ``parcels`` says which lines
    each fulfilment holds, ``cancelled_lines`` which quantities were cancelled line by line.
    """

    webshop_id: str
    reference: str | None  # MarketplaceOrder.reference, if the order came from the hub
    updated_at: datetime
    completed: bool  # fulfilled / completed by the merchant
    cancelled: bool
    tracking: tuple[Tracking, ...] = ()
    invalid: str | None = None  # why the webshop's values cannot be used (tracking dropped)
    parcels: tuple[Parcel, ...] = ()
    cancelled_lines: tuple[ParcelLine, ...] = ()


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Shipment:
    """A shipment to confirm on a marketplace, carrier already mapped to its code list."""

    lines: tuple[ShipmentLine, ...]
    shipped_at: datetime
    tracking_number: str | None = None
    carrier_code: str | None = None  # the marketplace's own code (bol.com transporterCode, ...)
    carrier_name: str | None = None  # sent where the code is a generic "other"


@dataclass(frozen=True, slots=True)
class WriteReceipt:
    """Outcome of a remote write. ``done`` False means accepted but still processing."""

    done: bool
    ref: str | None = None  # remote id: created order id, process-status id, ...


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """Status of an asynchronous remote write (bol.com process status)."""

    state: str  # "pending" | "success" | "failure"
    message: str | None = None

    @staticmethod
    def combined(results: Collection[ProcessResult]) -> ProcessResult:
        """One result for several processes of one write: failure > pending > success."""
        for state in ("failure", "pending"):
            hits = [r for r in results if r.state == state]
            if hits:
                messages = "; ".join(r.message for r in hits if r.message)
                return ProcessResult(state, messages or None)
        return ProcessResult("success")
