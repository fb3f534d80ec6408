"""The sandbox platforms served for real on free ports, with connectors wired to them.

Used by the demo, the loop tests and the benchmarks, so all three run the same path a real
deployment runs: real HTTP over sockets to faithful twins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.store import Store
from ordersync.sync import ConnectionSettings, SyncContext

BOL_CLIENT_ID, BOL_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
SHOP, SHOP_TOKEN = "sandbox", "shpat_sandbox"


@dataclass
class SandboxStack:
    rate_limits: bool = True
    process_delay_polls: int = 1
    bolcom: BolcomTwin = field(init=False)
    shopify: ShopifyTwin = field(init=False)
    _served: list[ServedApp] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.bolcom = BolcomTwin(rate_limits=self.rate_limits,
                                 process_delay_polls=self.process_delay_polls)
        self.shopify = ShopifyTwin(SHOP, rate_limits=self.rate_limits)

    def start(self) -> SandboxStack:
        self._served = [ServedApp(self.bolcom.app).start(), ServedApp(self.shopify.app).start()]
        return self

    def stop(self) -> None:
        for served in self._served:
            served.stop()
        self._served = []

    def __enter__(self) -> SandboxStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def bolcom_url(self) -> str:
        return self._served[0].url

    @property
    def shopify_url(self) -> str:
        return self._served[1].url

    def marketplace(self, *, rate_limits: bool | None = None, **kw) -> BolcomConnector:
        limits = self.rate_limits if rate_limits is None else rate_limits
        return BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                               account="sandbox", api_url=self.bolcom_url,
                               login_url=self.bolcom_url, rate_limits=limits, **kw)

    def webshop(self, *, rate_limits: bool | None = None, **kw) -> ShopifyConnector:
        limits = self.rate_limits if rate_limits is None else rate_limits
        return ShopifyConnector(shop=SHOP, access_token=SHOP_TOKEN, base_url=self.shopify_url,
                                rate_limits=limits, **kw)

    def context(self, store: Store, settings: ConnectionSettings | None = None,
                **kw) -> SyncContext:
        return SyncContext(
            store=store,
            marketplace=self.marketplace(),
            webshop=self.webshop(),
            settings=settings or ConnectionSettings(name="sandbox", process_poll_interval=0.05),
            **kw,
        )
