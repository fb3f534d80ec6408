"""The sandbox platforms served for real on free ports, with connectors wired to them.

Used by the demo, the loop tests and the benchmarks, so all three run the same path a real
deployment runs: real HTTP over sockets to faithful twins.

``SandboxStack(marketplaces=("bolcom", "amazon"), shop_platform="woocommerce")`` serves those
twins (every twin object exists, only the chosen ones are served); ``marketplace(platform)``,
``webshop()`` and ``context(store, marketplace=platform)`` give connectors wired to them.
Webshops come from the registry (``ordersync.sandbox.webshops``): ``stack.shop`` is the served
webshop's twin, ``stack.merchant`` its ``ShopMerchant``; ``stack.<platform>`` any row's twin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ordersync.connectors.base import MarketplaceConnector, WebshopConnector
from ordersync.connectors.cartum import CartumConnector
from ordersync.order_loop import ConnectionSettings, SyncContext
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID, AmazonTwin
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.cartum import CartumTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.marketplaces import (
    AMZ_CLIENT_ID,
    AMZ_CLIENT_SECRET,
    AMZ_REFRESH,
    BOL_CLIENT_ID,
    BOL_CLIENT_SECRET,
)
from ordersync.sandbox.marketplaces import MARKETPLACES as MARKETPLACE_ROWS
from ordersync.sandbox.merchant import ShopMerchant
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.sandbox.webshops import SHOP, SHOP_TOKEN, WOO_KEY, WOO_SECRET, Webshop, webshop
from ordersync.sandbox.webshops import names as webshop_names
from ordersync.sandbox.woocommerce import WooCommerceTwin
from ordersync.store import Store

CARTUM_DOMAIN, CARTUM_LOGIN, CARTUM_PASSWORD = "sandbox.cartum.test", "api", "sandbox-password"

MARKETPLACES = tuple(MARKETPLACE_ROWS)
IMPORT_ONLY = ("cartum",)  # order sources for the hub's import, not webshops the loop writes to


def shops() -> tuple[str, ...]:
    """Every platform a stack can serve as its shop: the registry's webshops, then Cartum."""
    return (*webshop_names(), *IMPORT_ONLY)


__all__ = ["AMZ_CLIENT_ID", "AMZ_CLIENT_SECRET", "AMZ_REFRESH", "BOL_CLIENT_ID",
           "BOL_CLIENT_SECRET", "MARKETPLACE_ID", "SELLER_ID", "SHOP", "SHOP_TOKEN", "WOO_KEY",
           "WOO_SECRET", "SandboxStack", "shops"]


@dataclass
class SandboxStack:
    rate_limits: bool = True
    process_delay_polls: int = 1
    marketplaces: tuple[str, ...] = ("bolcom",)
    shop_platform: str = "shopify"
    bolcom: BolcomTwin = field(init=False)
    amazon: AmazonTwin = field(init=False)
    cartum: CartumTwin = field(init=False)
    shop_twins: dict[str, Any] = field(default_factory=dict, init=False)
    _served: dict[str, ServedApp] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        unknown = set(self.marketplaces) - set(MARKETPLACES)
        if unknown or not self.marketplaces:
            raise ValueError(f"sandbox marketplaces are {MARKETPLACES}, got {self.marketplaces}")
        if self.shop_platform not in shops():
            raise ValueError(f"sandbox webshops are {shops()}, got {self.shop_platform!r}")
        self.bolcom = BolcomTwin(rate_limits=self.rate_limits,
                                 process_delay_polls=self.process_delay_polls)
        self.amazon = AmazonTwin(clients={AMZ_CLIENT_ID: (AMZ_CLIENT_SECRET, AMZ_REFRESH)},
                                 rate_limits=self.rate_limits,
                                 feed_delay_polls=self.process_delay_polls)
        self.shop_twins = {name: webshop(name).twin(self.rate_limits)
                           for name in webshop_names()}
        self.cartum = CartumTwin(CARTUM_LOGIN, CARTUM_PASSWORD)

    def __getattr__(self, name: str) -> Any:
        """``stack.shopify``, ``stack.woocommerce``, ...: the twin of a registry row."""
        twins = self.__dict__.get("shop_twins") or {}
        if name in twins:
            return twins[name]
        raise AttributeError(name)

    @property
    def shopify(self) -> ShopifyTwin:
        return self.shop_twins["shopify"]

    @property
    def woocommerce(self) -> WooCommerceTwin:
        return self.shop_twins["woocommerce"]

    @property
    def row(self) -> Webshop:
        """The registry row of the served webshop."""
        return webshop(self.shop_platform)

    @property
    def shop(self) -> Any:
        """The served webshop's twin."""
        return getattr(self, self.shop_platform)

    @property
    def merchant(self) -> ShopMerchant:
        """The merchant of the served webshop (its back office, in-process)."""
        return self.row.merchant(self.shop)

    def start(self) -> SandboxStack:
        for platform in (*self.marketplaces, self.shop_platform):
            twin = getattr(self, platform)
            self._served[platform] = ServedApp(twin.app).start()
        return self

    def stop(self) -> None:
        for served in self._served.values():
            served.stop()
        self._served = {}

    def __enter__(self) -> SandboxStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, platform: str) -> str:
        if platform not in self._served:
            raise ValueError(f"the sandbox does not serve {platform!r} (serving "
                             f"{sorted(self._served)}); pass it to SandboxStack(...)")
        return self._served[platform].url

    @property
    def bolcom_url(self) -> str:
        return self.url("bolcom")

    @property
    def shopify_url(self) -> str:
        return self.url("shopify")

    def _limits(self, rate_limits: bool | None) -> bool:
        return self.rate_limits if rate_limits is None else rate_limits

    def marketplace(self, platform: str | None = None, *, rate_limits: bool | None = None,
                    **kw: Any) -> MarketplaceConnector:
        """A connector to a served marketplace twin (the first one by default)."""
        platform = platform or self.marketplaces[0]
        if platform not in MARKETPLACE_ROWS:
            raise ValueError(f"sandbox marketplaces are {MARKETPLACES}, got {platform!r}")
        return MARKETPLACE_ROWS[platform].connector(self.url(platform),
                                                    self._limits(rate_limits), **kw)

    def webshop(self, *, rate_limits: bool | None = None, **kw: Any) -> WebshopConnector:
        """A connector to the served webshop twin (a registry row)."""
        if self.shop_platform in IMPORT_ONLY:
            raise ValueError(f"{self.shop_platform} is an order source for the hub's import, "
                             "not a webshop the order loop writes to")
        return self.row.connector(self.url(self.shop_platform), self._limits(rate_limits), **kw)

    def cartum_connector(self, **kw: Any) -> CartumConnector:
        return CartumConnector(domain=CARTUM_DOMAIN, login=CARTUM_LOGIN,
                               password=CARTUM_PASSWORD, base_url=self.url("cartum"), **kw)

    def context(self, store: Store, settings: ConnectionSettings | None = None, *,
                marketplace: str | None = None, **kw: Any) -> SyncContext:
        return SyncContext(
            store=store,
            marketplace=self.marketplace(marketplace),
            webshop=self.webshop(),
            settings=settings or ConnectionSettings(name="sandbox", process_poll_interval=0.05),
            **kw,
        )
