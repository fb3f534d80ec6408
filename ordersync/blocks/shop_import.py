"""The shop import connection block: a webshop whose own orders, products and customers the
hub imports (PRODUCT.md section 3), and how."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from prefect.blocks.core import Block
from pydantic import Field, field_validator, model_validator

from ordersync.blocks.connection import pick_block
from ordersync.blocks.credentials import (
    CartumCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
)
from ordersync.shop_import import check_identify_by
from ordersync.shop_import.keys import default_region
from ordersync.shop_import.settings import ShopImportSettings

ShopCredentials = ShopifyCredentials | WooCommerceCredentials | CartumCredentials
PLATFORMS: dict[type[Block], str] = {ShopifyCredentials: "shopify",
                                     WooCommerceCredentials: "woocommerce",
                                     CartumCredentials: "cartum"}


class ShopImportConnection(Block):
    """A webshop as a source of the hub's own orders, every few minutes, plus a backfill."""

    _block_type_name: ClassVar[str] = "Shop Import Connection"
    _block_type_slug: ClassVar[str] = "shop-import-connection"
    _description: ClassVar[str] = (
        "A Shopify, WooCommerce or Cartum shop whose orders, products and customers the hub "
        "imports, and the import's settings.")

    shop: ShopCredentials = Field(description="The webshop's credentials block.")
    hub_currency: str = Field(
        description="ISO 4217 code of the hub's currency (e.g. EUR); a shop selling in "
        "another currency is refused with nothing imported.")
    identify_products_by: Literal["name", "sku", "id"] = Field(
        default="sku", description="How an order's products are matched against the "
        "catalog: name, SKU or the shop's product ID (Cartum: name or sku).")
    initial_status: Literal["new", "in_progress", "on_hold", "awaiting_payment"] = Field(
        default="new", description="The order type's initial status of an imported order "
        "(Cartum orders follow the shop's status instead).")
    poll_overlap_minutes: float = Field(
        default=10, gt=0, le=24 * 60,
        description="Look-back of each 5-minute poll before the last one's start.")
    batch_pages: int = Field(
        default=10, ge=1, le=1000,
        description="Pages imported per Prefect task run by the backfill.")
    backfill_days: int = Field(default=60, ge=1, le=3650,
                               description="Default backfill window (two months).")
    phone_calling_code: str | None = Field(
        default=None, description="The shop's country - a calling code (e.g. 31) or an ISO "
        "country code (e.g. NL) - that phone numbers written without a country code belong "
        "to, so 06... and +316... are the same customer (matched in E.164).")

    @field_validator("shop", mode="before")
    @classmethod
    def _shop_type(cls, value: Any) -> Any:
        return pick_block(value, tuple(PLATFORMS))

    @field_validator("hub_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ValueError("hub_currency must be an ISO 4217 code of three letters, like EUR")
        return code

    @field_validator("phone_calling_code")
    @classmethod
    def _calling_code(cls, value: str | None) -> str | None:
        code = (value or "").strip().lstrip("+").upper()
        if value is not None and code and default_region(code) is None:
            raise ValueError("phone_calling_code must be a country calling code like 31 or a "
                             "country code like NL")
        return code or None

    @model_validator(mode="after")
    def _identify_by_fits_platform(self) -> ShopImportConnection:
        check_identify_by(self.platform, self.identify_products_by)
        return self

    @property
    def platform(self) -> str:
        return PLATFORMS[type(self.shop)]

    def settings(self, name: str) -> ShopImportSettings:
        return ShopImportSettings(
            name=name, hub_currency=self.hub_currency, identify_by=self.identify_products_by,
            initial_status=self.initial_status,
            overlap=timedelta(minutes=self.poll_overlap_minutes),
            backfill_window=timedelta(days=self.backfill_days), pages_per_task=self.batch_pages,
            calling_code=self.phone_calling_code,
        )
