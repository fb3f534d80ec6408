"""Demo traffic on the sandbox twins: buyers on bol.com and Amazon (some Amazon orders wait
for payment, a few fail the fraud check), shoppers in the shop itself (where its twin has
shoppers: Shopify), the merchant shipping in the shop - any registry webshop, through its
``ShopMerchant`` - with, without or instead of a track & trace code, and bad input (malformed
marketplace orders planted through the twins' control APIs). What the traffic did that the
twins do not record is kept in a ``Ledger`` for the demo's check mode."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.tracking_codes import GENERATORS

Say = Callable[[str], None]

PRODUCTS = [  # sku, ean, title, price, stock in the shop
    ("MUG-350", "8712345678906", "Ceramic mug 350 ml", 12.99, 40),
    ("PLATE-22", "8712345678913", "Enamel plate", 9.5, 40),
    ("TOWEL-LIN", "8712345678920", "Linen tea towel", 7.25, 60),
    ("BOARD-OAK", "8712345678937", "Oak cutting board", 34.0, 15),
    ("KETTLE-CU", "8712345678944", "Copper kettle", 59.95, 8),
]
# What the merchant does with a marketplace order in the shop, in turn (scripted traffic):
# every marketplace sees shipments with and without track & trace, a cancellation, a buyer's
# cancellation; then orders shipped in two parcels and shipped partially (the rest stays open).
# buyer_cancel: before the merchant ships, the buyer cancels on the marketplace (bol.com: a
# cancellation request; Amazon: the order is cancelled); the hub cancels it in the shop.
MERCHANT_SCRIPT = ("code", "none", "cancel", "buyer_cancel", "parcels", "partial", "code",
                   "none", "code")
SHIP_AFTER = 20.0  # seconds between an order's arrival in the shop and the merchant acting


def stock_the_shop(sandbox: SandboxStack, history: int, say: Say) -> None:
    """Products with stock in the shop, the same offers on bol.com and Amazon, and (where the
    shop's twin has shoppers) ``history`` orders of the shop's own from the last three months
    (for the backfill)."""
    sandbox.merchant.stock_catalog(CatalogItem(sku, title, Decimal(str(price)), stock, ean)
                                   for sku, ean, title, price, stock in PRODUCTS)
    for sku, ean, _, _, _ in PRODUCTS:
        sandbox.bolcom.add_offer(sku, ean=ean, offer_id=f"offer-{sku}")
        sandbox.amazon.add_listing(sku, 0)
    if history and hasattr(sandbox.shop, "seed_orders"):
        now = datetime.now(UTC)
        sandbox.shop.seed_orders(history, since=now - timedelta(days=90),
                                 until=now - timedelta(hours=1), products=0)
        say(f"the {sandbox.row.title} shop has {history} orders of its own from the last 90 "
            f"days (the backfill imports the last two months, except finished ones)")


@dataclass
class Ledger:
    """What the traffic did that the twins do not keep."""

    planted: dict[tuple[str, str], str] = field(default_factory=dict)  # (platform, id) -> flaw
    paid_at: dict[str, datetime] = field(default_factory=dict)  # Amazon order id -> paid
    carriers: dict[str, str] = field(default_factory=dict)  # shop order id -> GENERATORS key
    # bol.com order id -> (return id, when) of the buyer's return, None: kept (demo_returns)
    returns: dict[str, tuple[str, datetime] | None] = field(default_factory=dict)
    buyer_cancelled: dict[str, datetime] = field(default_factory=dict)  # reference -> when


@dataclass
class Traffic:
    """``scripted``: the check mode's traffic, which alternates marketplaces and merchant
    actions so every case occurs in a short run (random otherwise)."""

    sandbox: SandboxStack
    say: Say
    rng: random.Random = field(default_factory=random.Random)
    scripted: bool = False
    handled: set[str] = field(default_factory=set)  # shop order ids the merchant acted on
    placed: dict[str, None] = field(default_factory=dict)  # marketplace references, in order
    arrived: dict[str, float] = field(default_factory=dict)  # shop order id -> first seen
    unpaid: dict[str, float] = field(default_factory=dict)  # Amazon id -> decide at
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    ledger: Ledger = field(default_factory=Ledger)
    _turns: dict[str, Any] = field(default_factory=dict)
    _due: dict[str, str] = field(default_factory=dict)  # shop order id -> its reference

    def _turn(self, name: str, cycle: tuple) -> Any:
        """The next element of ``cycle`` for ``name`` (scripted traffic)."""
        if name not in self._turns:
            self._turns[name] = itertools.cycle(cycle)
        return next(self._turns[name])

    def _items(self, buyer: bool = True) -> list[tuple[str, str, str, float, int]]:
        """1-2 products (scripted buyers: 1, 3, 2 in turn, so both marketplaces get
        multi-line orders)."""
        count = (self._turn("lines", (1, 3, 3, 1, 2, 2)) if self.scripted and buyer
                 else self.rng.randint(1, 2))
        return [(sku, ean, title, price, self.rng.randint(1, 2))
                for sku, ean, title, price, _ in self.rng.sample(PRODUCTS, count)]

    def buyer(self, now: float) -> None:
        """One marketplace order: half on bol.com, half on Amazon (a third of those pending).
        Malformed orders are planted by ``plant_bad_input`` and recorded in the ledger."""
        items = self._items()
        bolcom = self._turn("market", (True, False)) if self.scripted else self.rng.random() < 0.5
        if bolcom:
            order_id = self.sandbox.bolcom.place_order(items=[
                {"ean": ean, "title": title, "quantity": q, "unitPrice": price,
                 "offerReference": sku} for sku, ean, title, price, q in items])
            self.placed[f"bolcom:{order_id}"] = None
            self.say(f"buyer placed bol.com order {order_id} ({len(items)} lines)")
            return
        pending = (self._turn("pending", (False, True, False)) if self.scripted
                   else self.rng.random() < 0.35)
        order_id = self.sandbox.amazon.place_order(
            [{"sku": sku, "title": title, "quantity": q, "unitPrice": price}
             for sku, _, title, price, q in items], pending=pending)
        self.placed[f"amazon:{order_id}"] = None
        if pending:
            self.unpaid[order_id] = now + self.rng.uniform(20, 60)
            self.say(f"buyer placed Amazon order {order_id}, payment pending")
        else:
            self.say(f"buyer placed Amazon order {order_id} ({len(items)} lines)")

    def payments(self, now: float, *, all_due: bool = False) -> None:
        """Amazon settles pending orders: most get paid, some fail the fraud check."""
        for order_id, due in list(self.unpaid.items()):
            if now < due and not all_due:
                continue
            del self.unpaid[order_id]
            paid = (self._turn("paid", (True, False, True)) if self.scripted
                    else self.rng.random() < 0.8)
            if paid:
                self.sandbox.amazon.pay(order_id)
                self.ledger.paid_at[order_id] = datetime.now(UTC)
                self.say(f"Amazon order {order_id} is paid")
            else:
                self.sandbox.amazon.fraud_cancel(order_id)
                self.say(f"Amazon cancelled order {order_id} (fraud check)")

    def shopper(self) -> None:
        """A customer orders in the shop itself (imported by shop-import), where the shop's
        twin has shoppers."""
        if not hasattr(self.sandbox.shop, "place_shop_order"):
            return
        lines = [{"sku": sku, "quantity": q} for sku, _, _, _, q in self._items(buyer=False)]
        order = self.sandbox.shop.place_shop_order(lines)
        self.say(f"shopper placed {self.sandbox.row.title} order {order['name']}")

    def merchant(self) -> None:
        """Ship the hub's orders a little while after they reach the shop: most with a code
        (some in two parcels, some partially where the shop ships per line), some without
        (they wait, then ship without tracking), a few cancelled. Through the shop's
        ``ShopMerchant``, for any registry webshop."""
        merchant, now = self.sandbox.merchant, time.monotonic()
        for reference in list(self.placed):
            found = merchant.orders_for(reference)
            if not found:
                continue
            del self.placed[reference]  # in the shop (twice would be the check's finding)
            for shop_id in found:
                self.arrived.setdefault(shop_id, now)
                self._due[shop_id] = reference
        for shop_id, reference in list(self._due.items()):
            if now - self.arrived[shop_id] < SHIP_AFTER:
                continue
            del self._due[shop_id]
            self.handled.add(shop_id)
            self._act(shop_id, self._action(reference.split(":")[0]), reference)

    def _action(self, source: str) -> str:
        if self.scripted:
            return self._turn(f"merchant:{source}", MERCHANT_SCRIPT)
        roll = self.rng.random()
        return ("code" if roll < 0.4 else "parcels" if roll < 0.5 else "partial"
                if roll < 0.55 else "none" if roll < 0.82 else "cancel" if roll < 0.92
                else "buyer_cancel")

    def _act(self, shop_id: str, action: str, reference: str = "") -> None:
        merchant, title = self.sandbox.merchant, self.sandbox.row.title
        split = None
        if action in ("parcels", "partial") and self.sandbox.row.per_line is None:
            split = _split(merchant.lines(shop_id))
        if action in ("parcels", "partial") and split is None:
            action = "code"  # one unit cannot be split, or the shop ships whole orders only
        if split is not None:
            carrier = (self._turn("carrier", tuple(GENERATORS)) if self.scripted
                       else self.rng.choice(list(GENERATORS)))
            codes = [GENERATORS[carrier](self.rng) for _ in range(2)]
            merchant.ship(shop_id, codes[0], lines=split[0])
            if action == "parcels":
                merchant.ship(shop_id, codes[1], lines=split[1])
            self.ledger.carriers[shop_id] = carrier
            what = "in two parcels" if action == "parcels" else "partially (the rest waits)"
            self.say(f"merchant shipped {title} order {shop_id} {what} with "
                     f"{', '.join(codes[:2 if action == 'parcels' else 1])}")
        elif action == "code":
            carrier = (self._turn("carrier", tuple(GENERATORS)) if self.scripted
                       else self.rng.choice(list(GENERATORS)))
            code = GENERATORS[carrier](self.rng)
            merchant.ship(shop_id, code)
            self.ledger.carriers[shop_id] = carrier
            self.say(f"merchant shipped {title} order {shop_id} with {code}")
        elif action == "none":
            merchant.ship(shop_id)
            self.say(f"merchant completed {title} order {shop_id} without track & trace")
        elif action == "buyer_cancel" and self._buyer_cancels(reference):
            return
        else:
            merchant.cancel(shop_id)
            self.say(f"merchant cancelled {title} order {shop_id}")

    def _buyer_cancels(self, reference: str) -> bool:
        """The buyer of a marketplace order (``platform:id``) cancels it there before it
        ships: a bol.com cancellation request, an Amazon cancellation. False otherwise."""
        platform, _, order_id = reference.partition(":")
        if platform == "bolcom":
            self.sandbox.bolcom.request_cancellation(order_id)
        elif platform == "amazon":
            self.sandbox.amazon.buyer_cancel(order_id)
        else:
            return False
        self.ledger.buyer_cancelled[f"{platform}:{order_id}"] = datetime.now(UTC)
        self.say(f"buyer cancelled {platform} order {order_id} before it shipped")
        return True

    def plant_bad_input(self) -> None:
        """Malformed marketplace orders, through the twins' control APIs (real HTTP)."""
        for flaw, spoil in BOLCOM_FLAWS.items():
            with httpx.Client(base_url=self.sandbox.bolcom_url, timeout=10) as http:
                placed = http.post("/_sandbox/bolcom/orders", json={"items": [
                    {"ean": PRODUCTS[0][1], "title": PRODUCTS[0][2], "quantity": 1,
                     "unitPrice": PRODUCTS[0][3], "offerReference": PRODUCTS[0][0]}]})
                placed.raise_for_status()
                order = placed.json()
                spoil(order)
                http.put(f"/_sandbox/bolcom/orders/{order['orderId']}/raw",
                         json=order).raise_for_status()
            self.ledger.planted[("bolcom", order["orderId"])] = flaw
            self.say(f"planted a malformed bol.com order {order['orderId']} ({flaw})")
        self.plant_bad_amazon_input()

    def plant_bad_amazon_input(self) -> None:
        """HOOK (Amazon bad input): plants ready-made malformed orders through the Amazon
        twin's ``POST /_sandbox/amazon/orders/malformed`` - a route another branch adds.
        Where the twin has no such route (404), bol.com carries the bad input alone."""
        with httpx.Client(base_url=self.sandbox.url("amazon"), timeout=10) as http:
            for kind, flaw in AMAZON_FLAWS.items():
                planted = http.post("/_sandbox/amazon/orders/malformed", json={"kind": kind})
                if planted.status_code == 404:
                    self.say("the Amazon twin cannot plant malformed orders yet: "
                             "bad input on bol.com only")
                    return
                planted.raise_for_status()
                order_id = planted.json()["AmazonOrderId"]
                self.ledger.planted[("amazon", order_id)] = flaw
                self.say(f"planted a malformed Amazon order {order_id} ({flaw})")


def _split(ordered: dict[str, int]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Two parcels of an order's lines ({marketplace line id: quantity}): the first unit (or
    line), and the rest; None for an order of one unit."""
    lines = list(ordered.items())
    if sum(q for _, q in lines) < 2:
        return None
    (first, quantity), rest = lines[0], dict(lines[1:])
    if quantity > 1:
        rest[first] = quantity - 1
    return {first: 1 if quantity > 1 else quantity}, rest


def _no_zip(order: dict[str, Any]) -> None:
    order["shipmentDetails"].pop("zipCode", None)


def _bad_price(order: dict[str, Any]) -> None:
    order["orderItems"][0]["unitPrice"] = "twelve"


def _absurd_price(order: dict[str, Any]) -> None:
    order["orderItems"][0]["unitPrice"] = 1e30


def _year_one(order: dict[str, Any]) -> None:
    order["orderPlacedDateTime"] = "0001-01-01T00:30:00+01:00"


def _nul_title(order: dict[str, Any]) -> None:
    order["orderItems"][0]["product"]["title"] = "Mug\x00with NUL"


BOLCOM_FLAWS: dict[str, Callable[[dict[str, Any]], None]] = {
    "shipping address without zip code": _no_zip,
    "unit price is not a number": _bad_price,
    "unit price 1e30": _absurd_price,
    "placed in the year 1": _year_one,
    "NUL in a product title": _nul_title,
}
AMAZON_FLAWS = {  # kinds of the Amazon twin's malformed-order route -> what is wrong
    "missing_address": "shipping address missing",
    "negative_price": "negative item price",
    "huge_price": "item price 1e30",
    "ancient_date": "purchased in the year 1",
    "nul_title": "NUL in a product title",
    "duplicate_item_ids": "the same order item id twice",
}
