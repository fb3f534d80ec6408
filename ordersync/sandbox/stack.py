"""The sandbox platforms served for real on free ports, with connectors wired to them.

Used by the demo, the loop tests and the benchmarks, so all three run the same path a real
deployment runs: real HTTP over sockets to faithful twins.

``SandboxStack(marketplaces=("bolcom", "amazon"), shop_platform="shopware")`` serves those
twins (every twin object exists, only the chosen ones are served); ``marketplace(platform)``,
``webshop()`` and ``context(store, marketplace=platform)`` give connectors wired to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.base import MarketplaceConnector, WebshopConnector
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.cartum import CartumConnector
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.connectors.shopware import ShopwareConnector
from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID, AmazonTwin
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.cartum import CartumTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.sandbox.shopware import ShopwareTwin
from ordersync.sandbox.woocommerce import WooCommerceTwin
from ordersync.store import Store
from ordersync.sync import ConnectionSettings, SyncContext

BOL_CLIENT_ID, BOL_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
SHOP, SHOP_TOKEN = "sandbox", "shpat_sandbox"
AMZ_CLIENT_ID, AMZ_CLIENT_SECRET, AMZ_REFRESH = (
    "amzn1.application-oa2-client.sandbox", "amzn-sandbox-secret", "Atzr|sandbox")
WOO_KEY, WOO_SECRET = "ck_sandbox", "cs_sandbox"
CARTUM_DOMAIN, CARTUM_LOGIN, CARTUM_PASSWORD = "sandbox.cartum.test", "api", "sandbox-password"
SW_CLIENT_ID, SW_CLIENT_SECRET = "SWIASANDBOX", "sandbox-secret"

MARKETPLACES = ("bolcom", "amazon")
SHOPS = ("shopify", "woocommerce", "cartum", "shopware")


@dataclass
class SandboxStack:
    rate_limits: bool = True
    process_delay_polls: int = 1
    marketplaces: tuple[str, ...] = ("bolcom",)
    shop_platform: str = "shopify"
    bolcom: BolcomTwin = field(init=False)
    amazon: AmazonTwin = field(init=False)
    shopify: ShopifyTwin = field(init=False)
    woocommerce: WooCommerceTwin = field(init=False)
    cartum: CartumTwin = field(init=False)
    shopware: ShopwareTwin = field(init=False)
    _served: dict[str, ServedApp] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        unknown = set(self.marketplaces) - set(MARKETPLACES)
        if unknown or not self.marketplaces:
            raise ValueError(f"sandbox marketplaces are {MARKETPLACES}, got {self.marketplaces}")
        if self.shop_platform not in SHOPS:
            raise ValueError(f"sandbox webshops are {SHOPS}, got {self.shop_platform!r}")
        self.bolcom = BolcomTwin(rate_limits=self.rate_limits,
                                 process_delay_polls=self.process_delay_polls)
        self.amazon = AmazonTwin(clients={AMZ_CLIENT_ID: (AMZ_CLIENT_SECRET, AMZ_REFRESH)},
                                 rate_limits=self.rate_limits,
                                 feed_delay_polls=self.process_delay_polls)
        self.shopify = ShopifyTwin(SHOP, rate_limits=self.rate_limits)
        self.woocommerce = WooCommerceTwin({WOO_KEY: WOO_SECRET})
        self.cartum = CartumTwin(CARTUM_LOGIN, CARTUM_PASSWORD)
        self.shopware = ShopwareTwin({SW_CLIENT_ID: SW_CLIENT_SECRET},
                                     rate_limits=self.rate_limits)

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
        limits = self._limits(rate_limits)
        if platform == "amazon":
            url = self.url("amazon")
            return AmazonConnector(client_id=AMZ_CLIENT_ID, client_secret=AMZ_CLIENT_SECRET,
                                   refresh_token=AMZ_REFRESH, seller_id=SELLER_ID,
                                   marketplace_id=MARKETPLACE_ID, account="sandbox", api_url=url,
                                   token_url=f"{url}/auth/o2/token", rate_limits=limits, **kw)
        url = self.url("bolcom")
        return BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                               account="sandbox", api_url=url, login_url=url,
                               rate_limits=limits, **kw)

    def webshop(self, *, rate_limits: bool | None = None, **kw: Any) -> WebshopConnector:
        """A connector to the served webshop twin (Shopify, WooCommerce or Shopware)."""
        limits = self._limits(rate_limits)
        if self.shop_platform == "woocommerce":
            return WooCommerceConnector(url=self.url("woocommerce"), consumer_key=WOO_KEY,
                                        consumer_secret=WOO_SECRET, rate_limits=limits, **kw)
        if self.shop_platform == "shopware":
            return ShopwareConnector(url=self.url("shopware"), client_id=SW_CLIENT_ID,
                                     client_secret=SW_CLIENT_SECRET, rate_limits=limits, **kw)
        if self.shop_platform == "cartum":
            raise ValueError("Cartum is an order source for the hub's import, not a webshop "
                             "the order loop writes to")
        return ShopifyConnector(shop=SHOP, access_token=SHOP_TOKEN, base_url=self.shopify_url,
                                rate_limits=limits, **kw)

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
