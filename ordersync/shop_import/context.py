"""Everything the webshop order import needs: store, the shop's connector, settings, clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ordersync.connectors.base import ShopOrderSource
from ordersync.order_loop.context import utcnow
from ordersync.shop_import import PlatformRules, check_identify_by, rules_for
from ordersync.store import Store
from ordersync.store.shop_repository import PageContext, ShopImportRepository


@dataclass(frozen=True)
class ShopImportSettings:
    """How one shop import connection behaves; loaded from its block."""

    name: str
    hub_currency: str
    identify_by: str = "sku"
    initial_status: str = "new"  # the order type's initial status
    overlap: timedelta = timedelta(minutes=10)  # look-back of the 5-minute poll
    initial_lookback: timedelta = timedelta(days=1)  # first poll without a watermark
    backfill_window: timedelta = timedelta(days=60)  # "the last two months"
    pages_per_task: int = 10
    lease: timedelta = timedelta(minutes=15)
    calling_code: str | None = None  # the shop's country (31 or NL): default phone region

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a shop import connection needs a name")
        if len(self.hub_currency) != 3 or not self.hub_currency.isalpha() \
                or not self.hub_currency.isupper():
            raise ValueError(f"hub_currency must be an ISO 4217 code like EUR, got "
                             f"{self.hub_currency!r}")
        if self.pages_per_task < 1:
            raise ValueError("pages_per_task must be at least 1")


@dataclass
class ShopImportContext:
    store: Store
    source: ShopOrderSource
    settings: ShopImportSettings
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        check_identify_by(self.source.platform, self.settings.identify_by)
        self.repo = ShopImportRepository(self.store)

    @property
    def rules(self) -> PlatformRules:
        return rules_for(self.source.platform)

    @property
    def page_context(self) -> PageContext:
        rules = self.rules
        return PageContext(
            platform=self.source.platform, account=self.source.account,
            initial_status=self.settings.initial_status, status_sync=rules.status_sync,
            not_specified_customer=rules.not_specified_customer,
            product_id_is_code=rules.product_id_is_code,
        )

    def close(self) -> None:
        self.source.close()
