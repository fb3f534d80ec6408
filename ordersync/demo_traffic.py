"""Demo traffic on the sandbox twins: buyers on bol.com and Amazon (some Amazon orders wait
for payment, a few fail the fraud check), shoppers in the Shopify shop itself, and the
merchant shipping in Shopify with, without or instead of a track & trace code."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ordersync.sandbox.amazon.malformed import KINDS as AMAZON_KINDS
from ordersync.sandbox.bolcom.malformed import KINDS as BOL_KINDS
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.tracking_codes import GENERATORS

Say = Callable[[str], None]
MALFORMED_SHARE = 0.03  # of the buyers' orders; quarantined by the hub, never fatal

PRODUCTS = [  # sku, ean, title, price, stock in the shop
    ("MUG-350", "8712345678906", "Ceramic mug 350 ml", 12.99, 40),
    ("PLATE-22", "8712345678913", "Enamel plate", 9.5, 40),
    ("TOWEL-LIN", "8712345678920", "Linen tea towel", 7.25, 60),
    ("BOARD-OAK", "8712345678937", "Oak cutting board", 34.0, 15),
    ("KETTLE-CU", "8712345678944", "Copper kettle", 59.95, 8),
]


def stock_the_shop(sandbox: SandboxStack, history: int, say: Say) -> None:
    """Products with stock in Shopify, the same offers on bol.com and Amazon, and
    ``history`` orders of the shop's own from the last three months (for the backfill)."""
    for sku, ean, title, price, stock in PRODUCTS:
        sandbox.shopify.catalog.add_product(title, [{"sku": sku, "price": f"{price:.2f}",
                                                     "quantity": stock, "barcode": ean}],
                                            product_type="Kitchen")
        sandbox.bolcom.add_offer(sku, ean=ean, offer_id=f"offer-{sku}")
        sandbox.amazon.add_listing(sku, 0)
    if history:
        now = datetime.now(UTC)
        sandbox.shopify.seed_orders(history, since=now - timedelta(days=90),
                                    until=now - timedelta(hours=1), products=0)
        say(f"the Shopify shop has {history} orders of its own from the last 90 days "
            f"(the backfill imports the last two months, except finished ones)")


@dataclass
class Traffic:
    sandbox: SandboxStack
    say: Say
    rng: random.Random = field(default_factory=random.Random)
    handled: set[int] = field(default_factory=set)
    unpaid: dict[str, float] = field(default_factory=dict)  # Amazon id -> decide at
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def _items(self) -> list[tuple[str, str, str, float, int]]:
        return [(sku, ean, title, price, self.rng.randint(1, 2))
                for sku, ean, title, price, _ in self.rng.sample(PRODUCTS, self.rng.randint(1, 2))]

    def buyer(self, now: float) -> None:
        """One marketplace order: half on bol.com, half on Amazon (a third of those pending);
        now and then a malformed one, which the hub quarantines without stopping."""
        if self.rng.random() < MALFORMED_SHARE:
            self.malformed()
            return
        items = self._items()
        if self.rng.random() < 0.5:
            order_id = self.sandbox.bolcom.place_order(items=[
                {"ean": ean, "title": title, "quantity": q, "unitPrice": price,
                 "offerReference": sku} for sku, ean, title, price, q in items])
            self.say(f"buyer placed bol.com order {order_id}")
            return
        pending = self.rng.random() < 0.35
        order_id = self.sandbox.amazon.place_order(
            [{"sku": sku, "title": title, "quantity": q, "unitPrice": price}
             for sku, _, title, price, q in items], pending=pending)
        if pending:
            self.unpaid[order_id] = now + self.rng.uniform(40, 120)
            self.say(f"buyer placed Amazon order {order_id}, payment pending")
        else:
            self.say(f"buyer placed Amazon order {order_id}")

    def malformed(self) -> None:
        """A malformed marketplace order (absurd price, year 1, NUL in a title, ...)."""
        name, twin, kinds = self.rng.choice([("bol.com", self.sandbox.bolcom, BOL_KINDS),
                                             ("Amazon", self.sandbox.amazon, AMAZON_KINDS)])
        kind = self.rng.choice(sorted(kinds))
        order_id = twin.plant_malformed(kind)
        self.say(f"a malformed order ({kind}) appeared on {name}: {order_id[:40]}")

    def payments(self, now: float) -> None:
        """Amazon settles pending orders: most get paid, some fail the fraud check."""
        for order_id, due in list(self.unpaid.items()):
            if now < due:
                continue
            del self.unpaid[order_id]
            if self.rng.random() < 0.8:
                self.sandbox.amazon.pay(order_id)
                self.say(f"Amazon order {order_id} is paid")
            else:
                self.sandbox.amazon.fraud_cancel(order_id)
                self.say(f"Amazon cancelled order {order_id} (fraud check)")

    def shopper(self) -> None:
        """A customer orders in the Shopify shop itself (imported by shop-import)."""
        lines = [{"sku": sku, "quantity": q} for sku, _, _, _, q in self._items()]
        order = self.sandbox.shopify.place_shop_order(lines)
        self.say(f"shopper placed Shopify order {order['name']}")

    def merchant(self) -> None:
        """Ship Shopify orders a little while after they arrive: most with a code, some
        without (they wait, then ship without tracking), a few cancelled."""
        for order in self.sandbox.shopify.all_orders():
            if order["id"] in self.handled or order.get("cancelled_at") \
                    or order.get("fulfillment_status") or order.get("financial_status") != "paid":
                continue
            created = datetime.fromisoformat(order["created_at"])
            if created < self.started or (datetime.now(UTC) - created).total_seconds() < 20:
                continue
            self.handled.add(order["id"])
            roll = self.rng.random()
            if roll < 0.6:
                carrier = self.rng.choice(list(GENERATORS))
                code = GENERATORS[carrier](self.rng)
                self.sandbox.shopify.complete(order["id"], code, None)
                self.say(f"merchant shipped Shopify order {order['name']} with {code}")
            elif roll < 0.9:
                self.sandbox.shopify.complete(order["id"])
                self.say(f"merchant completed Shopify order {order['name']} without "
                         f"track & trace")
            else:
                self.sandbox.shopify.cancel(order["id"])
                self.say(f"merchant cancelled Shopify order {order['name']}")
