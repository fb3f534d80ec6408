"""A fleet of order connections over sandbox twins, for the scale-out test and benchmark.

Each connection is a marketplace account of its own (a bol.com or Amazon twin served on its
own port, with its own rate limits, its orders numbered apart from every other account's) into
one of a few registry webshops, which several connections share (bol.com and Amazon into one
shop). Connections are created as a merchant creates them: ``ordersync connect``'s
``connect()`` saves the blocks and deploys ``order-sync-<name>`` on an interval schedule, one
run at a time. Buyers order on the twins; the truth is read back from the twins (every order
exactly once in its shop) and from the hub's ``orders`` table.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, text

from ordersync.demo_traffic import PRODUCTS
from ordersync.flows.connect import MARKETPLACES, WEBSHOPS, ConnectionSpec, connect, secret_fields
from ordersync.sandbox.amazon import AmazonTwin
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.marketplaces import AMZ_CLIENT_ID, AMZ_CLIENT_SECRET, AMZ_REFRESH
from ordersync.sandbox.marketplaces import MARKETPLACES as MARKETPLACE_ROWS
from ordersync.sandbox.merchant import CatalogItem, ShopMerchant
from ordersync.sandbox.webshops import webshop

WEBSHOPS_DEFAULT = ("shopify", "woocommerce", "shopware")
STOCK = 1_000_000  # the shops never run out: stock is not what is measured here


@dataclass
class Member:
    """One order connection of the fleet and its own marketplace twin."""

    index: int
    name: str
    marketplace: str
    shop: str
    twin: BolcomTwin | AmazonTwin
    served: ServedApp
    placed: list[str] = field(default_factory=list)  # marketplace order ids, in order

    def order_id(self, n: int) -> str:
        """Ids apart from every other account's: references (``bolcom:<id>``) never clash
        in a shop that several connections share."""
        if self.marketplace == "bolcom":
            return str(1_100_000_000 + self.index * 100_000 + n)
        return f"402-{self.index:07d}-{n:07d}"

    def place(self, rng: random.Random) -> str:
        """A buyer orders 1-2 products (1-2 pieces each) on this connection's marketplace."""
        items = [(sku, ean, title, price, rng.randint(1, 2))
                 for sku, ean, title, price, _ in rng.sample(PRODUCTS, rng.randint(1, 2))]
        order_id = self.order_id(len(self.placed) + 1)
        if isinstance(self.twin, BolcomTwin):
            self.twin.place_order(items=[
                {"ean": ean, "title": title, "quantity": q, "unitPrice": price,
                 "offerReference": sku} for sku, ean, title, price, q in items],
                orderId=order_id)
        else:
            self.twin.place_order([{"sku": sku, "title": title, "quantity": q,
                                    "unitPrice": price} for sku, _, title, price, q in items],
                                  AmazonOrderId=order_id)
        self.placed.append(order_id)
        return order_id


@dataclass
class Fleet:
    """``size`` connections, alternating bol.com and Amazon, spread over ``shops`` (with 2
    marketplaces and an odd number of shops every shop gets both)."""

    size: int
    shops: tuple[str, ...] = WEBSHOPS_DEFAULT
    rate_limits: bool = True
    prefix: str = "fleet"
    members: list[Member] = field(default_factory=list)
    shop_twins: dict[str, Any] = field(default_factory=dict)
    shop_served: dict[str, ServedApp] = field(default_factory=dict)

    def start(self) -> Fleet:
        for shop in self.shops:
            row = webshop(shop)
            twin = row.twin(self.rate_limits)
            self.shop_twins[shop] = twin
            self.shop_served[shop] = ServedApp(twin.app).start()
            self.merchant(shop).stock_catalog(
                CatalogItem(sku, title, Decimal(str(price)), STOCK, ean)
                for sku, ean, title, price, _ in PRODUCTS)
        for i in range(self.size):
            marketplace = ("bolcom", "amazon")[i % 2]
            twin = (BolcomTwin(rate_limits=self.rate_limits) if marketplace == "bolcom" else
                    AmazonTwin(clients={AMZ_CLIENT_ID: (AMZ_CLIENT_SECRET, AMZ_REFRESH)},
                               rate_limits=self.rate_limits))
            self.members.append(Member(i, f"{self.prefix}-{i:03d}", marketplace,
                                       self.shops[i % len(self.shops)], twin,
                                       ServedApp(twin.app).start()))
        return self

    def stop(self) -> None:
        for member in self.members:
            member.served.stop()
        for served in self.shop_served.values():
            served.stop()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def merchant(self, shop: str) -> ShopMerchant:
        return webshop(shop).merchant(self.shop_twins[shop])

    # -- connections, as `ordersync connect` makes them (needs PREFECT_API_URL) ----------

    def spec(self, member: Member, interval_seconds: float) -> tuple[ConnectionSpec, dict]:
        """The connection's parameters and its secrets ({platform: {field: value}})."""
        market = dict(MARKETPLACE_ROWS[member.marketplace].block_fields(
            member.served.url, self.rate_limits))
        market["account"] = member.name
        shop = dict(webshop(member.shop).block_fields(self.shop_served[member.shop].url,
                                                      self.rate_limits))
        hidden = {member.marketplace: secret_fields(MARKETPLACES[member.marketplace]),
                  member.shop: secret_fields(WEBSHOPS[member.shop])}
        secrets = {member.marketplace: {k: market.pop(k) for k in hidden[member.marketplace]
                                        if k in market},
                   member.shop: {k: shop.pop(k) for k in hidden[member.shop] if k in shop}}
        spec = ConnectionSpec(name=member.name, marketplace=member.marketplace,
                              webshop=member.shop, marketplace_fields=market,
                              webshop_fields=shop, interval_seconds=interval_seconds)
        return spec, secrets

    def connect_all(self, interval_seconds: float) -> list[str]:
        """Blocks and deployment of every connection; the deployments' names."""
        names = []
        for member in self.members:
            spec, secrets = self.spec(member, interval_seconds)
            summary = connect(spec, lambda p, f, _s, s=secrets: s.get(p, {}).get(f))
            names.append(f"order-sync-{member.name}")
            assert summary["deployments"][0] == f"order_sync/{names[-1]}"
        return names

    def place_orders(self, per_connection: int, rng: random.Random) -> int:
        for _ in range(per_connection):
            for member in self.members:
                member.place(rng)
        return per_connection * len(self.members)

    # -- the truth --------------------------------------------------------------------

    def placed(self) -> dict[tuple[str, str], Member]:
        """(marketplace, order id) -> its connection, for every order placed."""
        return {(m.marketplace, order_id): m for m in self.members for order_id in m.placed}

    def in_shops(self) -> dict[tuple[str, str], Counter]:
        """Per placed order: how many shop orders carry its reference, per shop."""
        found: dict[tuple[str, str], Counter] = {}
        merchants = {shop: self.merchant(shop) for shop in self.shops}
        for key in self.placed():
            reference = f"{key[0]}:{key[1]}"
            found[key] = Counter({shop: len(m.orders_for(reference))
                                  for shop, m in merchants.items()})
        return found

    def shop_problems(self) -> list[str]:
        """Orders not exactly once in their own shop, or in another shop."""
        problems = []
        placed = self.placed()
        for key, counts in self.in_shops().items():
            own = placed[key].shop
            if counts[own] != 1:
                problems.append(f"{key[0]} order {key[1]} ({placed[key].name}) is "
                                f"{counts[own]} times in {own}")
            others = {s: n for s, n in counts.items() if s != own and n}
            if others:
                problems.append(f"{key[0]} order {key[1]} is also in {others}")
        return problems

    def hub_problems(self, database_url: str) -> list[str]:
        """Orders the hub does not hold exactly once with its webshop order, or holds
        without their having been placed."""
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT platform, account, external_id, webshop_order_id FROM orders "
                    "WHERE NOT test")).all()
        finally:
            engine.dispose()
        placed = self.placed()
        seen = Counter((r.platform, r.external_id) for r in rows)
        problems = [f"{k[0]} order {k[1]} is {n} times in the hub"
                    for k, n in seen.items() if n != 1]
        for row in rows:
            member = placed.get((row.platform, row.external_id))
            if member is None:
                problems.append(f"the hub has {row.platform} order {row.external_id}, "
                                "never placed")
            elif row.account != member.name:
                problems.append(f"{row.external_id} is in the hub under account {row.account}")
            elif not row.webshop_order_id:
                problems.append(f"{row.platform} order {row.external_id} ({member.name}) has "
                                "no webshop order in the hub")
        problems += [f"{k[0]} order {k[1]} ({m.name}) is not in the hub"
                     for k, m in placed.items() if k not in seen]
        return problems

