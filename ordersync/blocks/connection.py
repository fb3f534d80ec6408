"""The order connection block: a marketplace, a webshop and how to sync them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from prefect.blocks.core import Block
from pydantic import Field, field_validator

from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CcvShopCredentials,
    LightspeedCredentials,
    MagentoCredentials,
    PrestaShopCredentials,
    ShopifyCredentials,
    ShopwareCredentials,
    WooCommerceCredentials,
)
from ordersync.order_loop.context import ConnectionSettings, PendingOrders, Returns

MarketplaceCredentials = BolcomCredentials | AmazonCredentials
WebshopCredentials = (ShopifyCredentials | WooCommerceCredentials | ShopwareCredentials
                      | MagentoCredentials | PrestaShopCredentials | LightspeedCredentials
                      | CcvShopCredentials)


def pick_block(value: Any, classes: tuple[type[Block], ...]) -> Any:
    """The credentials block a nested dict belongs to. Prefect stores a referenced block's
    data without its type, and a union would take the first class that fits, so choose by
    ``block_type_slug`` when present, else by the one class whose fields match the keys."""
    if not isinstance(value, dict):
        return value
    slug = value.get("block_type_slug")
    keys = set(value) - {"block_type_slug"}
    matches = [cls for cls in classes
               if (slug and cls.get_block_type_slug() == slug)
               or (not slug and keys <= set(cls.model_fields)
                   and {n for n, f in cls.model_fields.items() if f.is_required()} <= keys)]
    if len(matches) != 1:
        names = ", ".join(cls.get_block_type_name() for cls in classes)
        raise ValueError(f"cannot tell which credentials these are (expected one of {names}); "
                         f"fields: {sorted(keys)}")
    return matches[0].model_validate({k: v for k, v in value.items() if k in keys})


class OrderConnection(Block):
    """Marketplace orders -> webshop -> shipments back, every few minutes."""

    _block_type_name: ClassVar[str] = "Order Connection"
    _block_type_slug: ClassVar[str] = "order-connection"
    _description: ClassVar[str] = "A marketplace account, a webshop, and the sync settings."

    marketplace: MarketplaceCredentials = Field(description="Marketplace credentials block.")
    webshop: WebshopCredentials = Field(description="Webshop credentials block.")
    tracking_wait_minutes: float = Field(
        default=180,
        ge=0,
        description="How long a completed order waits for a track & trace "
        "code before it is shipped without one.",
    )
    ship_from_country: str | None = Field(
        default="NL", description="ISO country the merchant ships from (carrier detection)."
    )
    configured_carriers: list[str] = Field(
        default_factory=list, description="Carrier ids the merchant uses, e.g. postnl, dhl_paket."
    )
    carrier_overrides: dict[str, str] = Field(
        default_factory=dict, description="Carrier id -> marketplace carrier code overrides."
    )
    cancel_reason: str = Field(default="OUT_OF_STOCK", description="Marketplace reason code.")
    lease_minutes: float = Field(
        default=15,
        gt=0,
        description="How long a run holds an order while writing it; a "
        "crashed run's orders are reconciled after this.",
    )
    batch_size: int = Field(default=200, ge=1, le=1000)
    pending_orders: PendingOrders = Field(
        default="reserve",
        description="Amazon orders awaiting payment: 'import' them as pending (stock drops on "
        "every marketplace) or 'reserve' their quantity on Amazon only until they are paid.",
    )
    returns: Returns = Field(
        default="register",
        description="Marketplace returns in the webshop: 'register' (an order note only), "
        "'restock' (the items go back into stock) or 'refund' (refund them, with restock).",
    )

    @field_validator("marketplace", mode="before")
    @classmethod
    def _marketplace_type(cls, value: Any) -> Any:
        return pick_block(value, (BolcomCredentials, AmazonCredentials))

    @field_validator("webshop", mode="before")
    @classmethod
    def _webshop_type(cls, value: Any) -> Any:
        return pick_block(value, (ShopifyCredentials, WooCommerceCredentials, ShopwareCredentials,
                                  MagentoCredentials, PrestaShopCredentials,
                                  LightspeedCredentials, CcvShopCredentials))

    @field_validator("ship_from_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 2 or not value.isalpha()):
            raise ValueError("ship_from_country must be an ISO 3166-1 alpha-2 code like NL")
        return value.upper() if value else None

    def settings(self, name: str) -> ConnectionSettings:
        return ConnectionSettings(
            name=name,
            tracking_wait=timedelta(minutes=self.tracking_wait_minutes),
            lease=timedelta(minutes=self.lease_minutes),
            batch_size=self.batch_size,
            ship_from=self.ship_from_country,
            configured_carriers=tuple(self.configured_carriers),
            carrier_overrides=dict(self.carrier_overrides),
            cancel_reason=self.cancel_reason,
            pending_orders=self.pending_orders,
            returns=self.returns,
        )
