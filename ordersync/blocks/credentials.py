"""Credentials blocks, one per platform: secrets as SecretStr, plus a client factory."""

from __future__ import annotations

from typing import ClassVar

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class BolcomCredentials(Block):
    """bol.com Retailer API v10 client credentials (Retailer portal > API settings)."""

    _block_type_name: ClassVar[str] = "bol.com Credentials"
    _block_type_slug: ClassVar[str] = "bolcom-credentials"
    _description: ClassVar[str] = "Client id and secret of a bol.com Retailer API account."

    client_id: str = Field(description="API client id.")
    client_secret: SecretStr = Field(description="API client secret.")
    account: str = Field(default="default", description="Name of this seller account in the hub.")
    api_url: str = Field(default="https://api.bol.com", description="API base URL.")
    login_url: str = Field(default="https://login.bol.com", description="Token endpoint host.")
    fulfilment_method: str = Field(default="FBR", description="FBR, FBB or ALL.")
    rate_limits: bool = Field(default=True, description="Respect bol.com's rate limits.")

    def get_client(self):
        from ordersync.connectors.bolcom import BolcomConnector

        return BolcomConnector(
            client_id=self.client_id,
            client_secret=self.client_secret.get_secret_value(),
            account=self.account,
            api_url=self.api_url,
            login_url=self.login_url,
            fulfilment_method=self.fulfilment_method,
            rate_limits=self.rate_limits,
        )


class ShopifyCredentials(Block):
    """Shopify Admin API access token of a custom app."""

    _block_type_name: ClassVar[str] = "Shopify Credentials"
    _block_type_slug: ClassVar[str] = "shopify-credentials"
    _description: ClassVar[str] = "Shop name and Admin API access token of a Shopify store."

    shop: str = Field(description="Shop name: the part before .myshopify.com.")
    access_token: SecretStr = Field(description="Admin API access token (shpat_...).")
    base_url: str | None = Field(
        default=None, description="Override https://{shop}.myshopify.com (sandbox only)."
    )
    location_id: int | None = Field(default=None, description="Fulfillment location id.")
    rate_limits: bool = Field(default=True, description="Respect Shopify's leaky bucket.")

    def get_client(self):
        from ordersync.connectors.shopify import ShopifyConnector

        return ShopifyConnector(
            shop=self.shop,
            access_token=self.access_token.get_secret_value(),
            base_url=self.base_url,
            location_id=self.location_id,
            rate_limits=self.rate_limits,
        )
