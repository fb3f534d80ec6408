"""Orders shoppers place in the twin's shop (the shop's *own* orders the hub imports), in the
REST Order shape of the fixtures: a customer with a default address (or a guest), product lines
with discount allocations, shipping lines, and every status a merchant sees (open, partially
fulfilled, fulfilled, cancelled, refunded, payment pending). Plus ``shop.json`` and the
Basic-plan redaction of customer data. Pure builders, no state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

Json = dict[str, Any]
CENT = Decimal("0.01")
ZERO = Decimal("0")
STATUSES = ("open", "partial", "fulfilled", "cancelled", "refunded", "pending")
"""What ``place_order``/seeding can produce (merchant's view)."""
FINANCIAL = {"open": "paid", "partial": "paid", "fulfilled": "paid", "cancelled": "voided",
             "refunded": "refunded", "pending": "pending"}
FULFILLMENT = {"open": None, "partial": "partial", "fulfilled": "fulfilled", "cancelled": None,
               "refunded": "fulfilled", "pending": None}
CLOSED = frozenset({"fulfilled", "cancelled", "refunded"})
BASIC_HIDDEN_ORDER = ("email", "contact_email", "phone")
BASIC_HIDDEN_ADDRESS = ("first_name", "last_name", "name", "address1", "address2", "phone",
                        "company", "latitude", "longitude")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def money_set(amount: str, currency: str) -> Json:
    return {"shop_money": {"amount": amount, "currency_code": currency},
            "presentment_money": {"amount": amount, "currency_code": currency}}


def gid(kind: str, ident: int) -> str:
    return f"gid://shopify/{kind}/{ident}"


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    address_id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address1: str
    city: str
    zip: str
    country_code: str
    country: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    product_id: int | None
    variant_id: int | None
    sku: str | None
    title: str
    quantity: int
    price: Decimal
    discount: Decimal = ZERO  # total allocated to the line (all units)
    current_quantity: int | None = None  # after an order edit removed units


@dataclass
class ShopperOrder:
    """Everything that varies between shopper orders; ``render`` makes the Order JSON."""

    id: int
    number: int
    created_at: str  # in the shop's offset
    updated_at: str
    currency: str
    lines: list[Line]
    customer: Customer | None
    status: str = "open"
    shipping_title: str | None = "Standard"
    shipping_price: Decimal = ZERO
    discount_code: str | None = None
    ids: list[int] = field(default_factory=list)  # spare ids: fulfillment, refund, address


def address_json(c: Customer, *, default: bool = False) -> Json:
    """A customer's address, as on orders (``default`` True: as ``default_address``)."""
    body: Json = {
        "first_name": c.first_name, "address1": c.address1, "phone": c.phone, "city": c.city,
        "zip": c.zip, "province": None, "country": c.country, "last_name": c.last_name,
        "address2": None, "company": None, "latitude": None, "longitude": None,
        "name": f"{c.first_name} {c.last_name}", "country_code": c.country_code,
        "province_code": None,
    }
    if default:
        body.pop("latitude"), body.pop("longitude")
        body.update(id=c.address_id, customer_id=c.id, country_name=c.country, default=True)
    return body


def customer_json(c: Customer, order: ShopperOrder) -> Json:
    return {
        "id": c.id, "email": c.email, "accepts_marketing": False, "created_at": c.created_at,
        "updated_at": order.updated_at, "first_name": c.first_name, "last_name": c.last_name,
        "state": "disabled", "note": None, "verified_email": c.email is not None,
        "multipass_identifier": None, "tax_exempt": False, "phone": c.phone, "tags": "",
        "currency": order.currency, "accepts_marketing_updated_at": c.created_at,
        "marketing_opt_in_level": None, "tax_exemptions": [], "email_marketing_consent": None,
        "sms_marketing_consent": None, "admin_graphql_api_id": gid("Customer", c.id),
        "default_address": address_json(c, default=True),
    }


def line_json(line: Line, order: ShopperOrder) -> Json:
    cur, price = order.currency, money(line.price)
    fulfilled = order.status in ("fulfilled", "refunded") or (
        order.status == "partial" and line is order.lines[0])
    quantity = line.quantity if line.current_quantity is None else line.current_quantity
    allocations = []
    if line.discount:
        amount = money(line.discount)
        allocations = [{"amount": amount, "amount_set": money_set(amount, cur),
                        "discount_application_index": 0}]
    return {
        "id": line.id, "admin_graphql_api_id": gid("LineItem", line.id),
        "attributed_staffs": [], "current_quantity": quantity,
        "fulfillable_quantity": 0 if fulfilled or order.status in CLOSED else quantity,
        "fulfillment_service": "manual",
        "fulfillment_status": "fulfilled" if fulfilled else None, "gift_card": False,
        "grams": 250, "name": line.title, "price": price, "price_set": money_set(price, cur),
        "product_exists": line.product_id is not None, "product_id": line.product_id,
        "properties": [], "quantity": line.quantity, "requires_shipping": True,
        "sku": line.sku, "taxable": True, "title": line.title, "total_discount": "0.00",
        "total_discount_set": money_set("0.00", cur), "variant_id": line.variant_id,
        "variant_inventory_management": "shopify" if line.variant_id else None,
        "variant_title": None, "vendor": "Sandbox", "tax_lines": [], "duties": [],
        "discount_allocations": allocations,
    }


def render(order: ShopperOrder, shop: str) -> Json:
    """The full REST Order JSON of a shopper order."""
    cur, c = order.currency, order.customer
    subtotal = sum((ln.price * (ln.quantity if ln.current_quantity is None
                                else ln.current_quantity) for ln in order.lines), ZERO)
    discounts = sum((ln.discount for ln in order.lines), ZERO)
    total = subtotal - discounts + order.shipping_price
    lines = [line_json(ln, order) for ln in order.lines]
    closed = order.updated_at if order.status in CLOSED else None
    address = address_json(c) if c else None
    email = c.email if c else None
    spare = iter(order.ids or [order.id + 1, order.id + 2, order.id + 3])
    shipping = []
    if order.shipping_title:
        price = money(order.shipping_price)
        shipping = [{"id": next(spare), "carrier_identifier": None, "code": order.shipping_title,
                     "discounted_price": price, "discounted_price_set": money_set(price, cur),
                     "phone": None, "price": price, "price_set": money_set(price, cur),
                     "requested_fulfillment_service_id": None, "source": "shopify",
                     "title": order.shipping_title, "tax_lines": [],
                     "discount_allocations": []}]
    fulfillments = []
    if FULFILLMENT[order.status] is not None:
        ident = next(spare)
        shipped = [x for x in lines if x["fulfillment_status"] == "fulfilled"]
        fulfillments = [{
            "id": ident, "admin_graphql_api_id": gid("Fulfillment", ident),
            "created_at": order.updated_at, "location_id": None, "name": f"#{order.number}.1",
            "order_id": order.id, "origin_address": {}, "receipt": {}, "service": "manual",
            "shipment_status": None, "status": "success", "tracking_company": "PostNL",
            "tracking_number": f"3S{order.id % 10**9:09d}",
            "tracking_numbers": [f"3S{order.id % 10**9:09d}"],
            "tracking_url": None, "tracking_urls": [], "updated_at": order.updated_at,
            "line_items": shipped}]
    refunds = []
    if order.status == "refunded":
        ident = next(spare)
        refunds = [{"id": ident, "admin_graphql_api_id": gid("Refund", ident),
                    "created_at": order.updated_at, "note": "Returned", "order_id": order.id,
                    "processed_at": order.updated_at, "restock": True, "user_id": None,
                    "order_adjustments": [], "transactions": [], "refund_line_items": []}]
    t_sub, t_disc, t_total = money(subtotal), money(discounts), money(total)
    t_ship = money(order.shipping_price)
    return {
        "id": order.id, "admin_graphql_api_id": gid("Order", order.id), "app_id": 580111,
        "browser_ip": "192.0.2.10", "buyer_accepts_marketing": False,
        "cancel_reason": "customer" if order.status == "cancelled" else None,
        "cancelled_at": order.updated_at if order.status == "cancelled" else None,
        "cart_token": None, "checkout_id": order.id + 7, "checkout_token": None,
        "client_details": None, "closed_at": closed, "confirmed": True,
        "contact_email": email, "created_at": order.created_at, "currency": cur,
        "current_subtotal_price": t_sub, "current_total_discounts": t_disc,
        "current_total_price": t_total, "customer_locale": "nl",
        "device_id": None, "discount_codes": [{"code": order.discount_code, "amount": t_disc,
                                               "type": "fixed_amount"}]
        if order.discount_code else [],
        "email": email or "", "estimated_taxes": False,
        "financial_status": FINANCIAL[order.status],
        "fulfillment_status": FULFILLMENT[order.status], "gateway": "shopify_payments",
        "landing_site": "/", "landing_site_ref": None, "location_id": None,
        "name": f"#{order.number}", "note": None, "note_attributes": [],
        "number": order.number - 1000, "order_number": order.number,
        "order_status_url": f"https://{shop}.myshopify.com/orders/{order.id:x}/authenticate",
        "payment_gateway_names": ["shopify_payments"], "phone": c.phone if c else None,
        "presentment_currency": cur, "processed_at": order.created_at,
        "processing_method": "direct", "reference": None, "referring_site": None,
        "source_identifier": None, "source_name": "web", "source_url": None,
        "subtotal_price": t_sub, "subtotal_price_set": money_set(t_sub, cur), "tags": "",
        "tax_lines": [], "taxes_included": True, "test": False,
        "token": f"{order.id:032x}", "total_discounts": t_disc,
        "total_discounts_set": money_set(t_disc, cur),
        "total_line_items_price": money(subtotal),
        "total_line_items_price_set": money_set(money(subtotal), cur),
        "total_outstanding": "0.00", "total_price": t_total,
        "total_price_set": money_set(t_total, cur),
        "total_shipping_price_set": money_set(t_ship, cur), "total_tax": "0.00",
        "total_tax_set": money_set("0.00", cur), "total_tip_received": "0.00",
        "total_weight": 250 * len(lines), "updated_at": order.updated_at, "user_id": None,
        "billing_address": address, "customer": customer_json(c, order) if c else None,
        "discount_applications": [{"target_type": "line_item", "type": "discount_code",
                                   "value": t_disc, "value_type": "fixed_amount",
                                   "allocation_method": "across",
                                   "target_selection": "entitled",
                                   "code": order.discount_code}]
        if order.discount_code else [],
        "fulfillments": fulfillments, "line_items": lines, "payment_terms": None,
        "refunds": refunds, "shipping_address": address, "shipping_lines": shipping,
    }


def redact_basic(order: Json) -> Json:
    """What an app on a Basic-plan shop receives: no customer object, no e-mail or phone,
    addresses without name, street or phone (city, zip and country stay)."""
    out = {k: v for k, v in order.items() if k != "customer"}
    for key in BASIC_HIDDEN_ORDER:
        if key in out:
            out[key] = None
    for key in ("billing_address", "shipping_address"):
        if isinstance(out.get(key), dict):
            out[key] = {k: (None if k in BASIC_HIDDEN_ADDRESS else v)
                        for k, v in out[key].items()}
    return out


def shop_json(shop: str, currency: str, plan: str, created_at: str, tz_offset: str) -> Json:
    """``GET shop.json`` -> ``{"shop": {...}}`` (the fields apps read)."""
    basic = plan == "basic"
    return {"shop": {
        "id": 69_420_000_001, "name": f"{shop.title()} Sandbox", "email": f"owner@{shop}.test",
        "domain": f"{shop}.myshopify.com", "province": "", "country": "NL",
        "address1": "Warehouse Street 1", "zip": "3511 AA", "city": "Utrecht", "source": None,
        "phone": "", "latitude": 52.09, "longitude": 5.12, "primary_locale": "nl",
        "address2": "", "created_at": created_at, "updated_at": created_at,
        "country_code": "NL", "country_name": "Netherlands", "currency": currency,
        "customer_email": f"support@{shop}.test", "timezone": f"(GMT{tz_offset}) Amsterdam",
        "iana_timezone": "Europe/Amsterdam", "shop_owner": "Sandbox Owner",
        "money_format": "€{{amount_with_comma_separator}}",
        "money_with_currency_format": "€{{amount_with_comma_separator}} " + currency,
        "weight_unit": "kg", "province_code": None, "taxes_included": True,
        "auto_configure_tax_inclusivity": None, "tax_shipping": None, "county_taxes": True,
        "plan_display_name": "Basic" if basic else "Shopify",
        "plan_name": "basic" if basic else "professional", "has_discounts": True,
        "has_gift_cards": not basic, "myshopify_domain": f"{shop}.myshopify.com",
        "google_apps_domain": None, "google_apps_login_enabled": None,
        "money_in_emails_format": "€{{amount_with_comma_separator}}",
        "money_with_currency_in_emails_format": "€{{amount_with_comma_separator}} " + currency,
        "eligible_for_payments": True, "requires_extra_payments_agreement": False,
        "password_enabled": False, "has_storefront": True, "finances": True,
        "primary_location_id": 71_250_000_001, "checkout_api_supported": True,
        "multi_location_enabled": True, "setup_required": False, "pre_launch_enabled": False,
        "enabled_presentment_currencies": [currency], "transactional_sms_disabled": False,
        "marketing_sms_consent_enabled_at_checkout": False,
        "admin_graphql_api_id": "gid://shopify/Shop/69420000001",
    }}


def stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
