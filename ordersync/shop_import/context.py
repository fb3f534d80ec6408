"""Everything the webshop order import needs: store, the shop's connector, settings, clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ordersync.connectors.base import ShopOrderSource
from ordersync.order_loop.context import utcnow
from ordersync.shop_import import PlatformRules, check_identify_by, rules_for
from ordersync.shop_import.settings import ShopImportSettings
from ordersync.store import Store
from ordersync.store.shop_repository import PageContext, ShopImportRepository


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
