"""Credentials blocks, one per platform: secrets as SecretStr, plus a client factory."""

from __future__ import annotations

from typing import ClassVar

import httpx
from prefect.blocks.core import Block
from pydantic import Field, SecretStr, field_validator


def shop_url(value: str, hint: str = "") -> str:
    """A shop's address with its scheme (http or https) and host, without a trailing slash;
    ``hint`` ends the error message (what the scheme means for that platform)."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in {"http", "https"} or not url.host:
        raise ValueError("url must be the shop's address with its scheme, like "
                         f"https://shop.example{hint}")
    return value.rstrip("/")


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


class AmazonCredentials(Block):
    """Amazon Selling Partner API: a Login-with-Amazon app and the seller's refresh token."""

    _block_type_name: ClassVar[str] = "Amazon SP-API Credentials"
    _block_type_slug: ClassVar[str] = "amazon-credentials"
    _description: ClassVar[str] = "LWA client and refresh token of one Amazon seller account."

    client_id: str = Field(description="LWA client identifier (amzn1.application-oa2-client...).")
    client_secret: SecretStr = Field(description="LWA client secret.")
    refresh_token: SecretStr = Field(description="The seller's refresh token (Atzr|...).")
    seller_id: str = Field(description="Merchant token / seller id.")
    marketplace_id: str = Field(default="A1805IZSGTT6HS",
                                description="Marketplace id (A1805IZSGTT6HS = amazon.nl).")
    account: str = Field(default="default", description="Name of this seller account in the hub.")
    api_url: str = Field(default="https://sellingpartnerapi-eu.amazon.com",
                         description="Regional SP-API endpoint.")
    token_url: str = Field(default="https://api.amazon.com/auth/o2/token",
                           description="LWA token endpoint.")
    rate_limits: bool = Field(default=True, description="Respect SP-API usage plans.")

    def get_client(self):
        from ordersync.connectors.amazon import AmazonConnector

        return AmazonConnector(
            client_id=self.client_id,
            client_secret=self.client_secret.get_secret_value(),
            refresh_token=self.refresh_token.get_secret_value(),
            seller_id=self.seller_id,
            marketplace_id=self.marketplace_id,
            account=self.account,
            api_url=self.api_url,
            token_url=self.token_url,
            rate_limits=self.rate_limits,
        )


class WooCommerceCredentials(Block):
    """WooCommerce REST API v3 key pair (WooCommerce > Settings > Advanced > REST API)."""

    _block_type_name: ClassVar[str] = "WooCommerce Credentials"
    _block_type_slug: ClassVar[str] = "woocommerce-credentials"
    _description: ClassVar[str] = "Site URL and REST API consumer key/secret of a WooCommerce shop."

    url: str = Field(description="Site URL exactly as the shop knows it (WordPress > Settings > "
                                 "General), e.g. https://shop.example. https: HTTP Basic auth; "
                                 "http: OAuth 1.0a signed requests (the secret is never sent).")
    consumer_key: SecretStr = Field(description="Consumer key (ck_...).")
    consumer_secret: SecretStr = Field(description="Consumer secret (cs_...).")
    rate_limits: bool = Field(default=True, description="Space requests politely.")

    @field_validator("url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        return shop_url(value, " (or http://shop.example: WooCommerce then takes OAuth 1.0a "
                               "signed requests)")

    def get_client(self):
        from ordersync.connectors.woocommerce import WooCommerceConnector

        return WooCommerceConnector(
            url=self.url,
            consumer_key=self.consumer_key.get_secret_value(),
            consumer_secret=self.consumer_secret.get_secret_value(),
            rate_limits=self.rate_limits,
        )


class PrestaShopCredentials(Block):
    """PrestaShop webservice key (Advanced Parameters > Webservice; orders, order_histories,
    order_carriers, carriers, products, stock_availables, customers, addresses, carts,
    countries, currencies)."""

    _block_type_name: ClassVar[str] = "PrestaShop Credentials"
    _block_type_slug: ClassVar[str] = "prestashop-credentials"
    _description: ClassVar[str] = "Shop URL and webservice key of a PrestaShop shop."

    url: str = Field(description="The shop's address, e.g. https://shop.example (the "
                                 "webservice is under /api).")
    api_key: SecretStr = Field(description="Webservice key (sent as the Basic-auth user).")
    carrier_id: int = Field(default=1, description="Carrier id new orders get.")
    timezone: str = Field(default="UTC", description="The shop's time zone (PS_TIMEZONE).")
    rate_limits: bool = Field(default=True, description="Space requests politely.")

    @field_validator("url")
    @classmethod
    def _shop_url(cls, value: str) -> str:
        return shop_url(value)

    def get_client(self):
        from ordersync.connectors.prestashop import PrestaShopConnector

        return PrestaShopConnector(
            url=self.url, api_key=self.api_key.get_secret_value(), carrier_id=self.carrier_id,
            timezone=self.timezone, rate_limits=self.rate_limits)


class LightspeedCredentials(Block):
    """Lightspeed eCom (C-Series) API key and secret (Back office > Settings > Developers)."""

    _block_type_name: ClassVar[str] = "Lightspeed eCom Credentials"
    _block_type_slug: ClassVar[str] = "lightspeed-credentials"
    _description: ClassVar[str] = ("Cluster URL, shop language and API key/secret of a "
                                   "Lightspeed eCom (C-Series) shop.")

    cluster_url: str = Field(default="https://api.webshopapp.com",
                             description="API cluster: https://api.webshopapp.com (eu1) or "
                                         "https://api.shoplightspeed.com (us1).")
    language: str = Field(default="nl", description="A language of the shop (nl, en, de, ...).")
    api_key: SecretStr = Field(description="API key (HTTP Basic user).")
    api_secret: SecretStr = Field(description="API secret (HTTP Basic password).")
    rate_limits: bool = Field(default=True, description="Honour the three rate-limit windows.")

    def get_client(self):
        from ordersync.connectors.lightspeed import LightspeedConnector

        return LightspeedConnector(
            cluster_url=self.cluster_url, language=self.language,
            api_key=self.api_key.get_secret_value(),
            api_secret=self.api_secret.get_secret_value(), rate_limits=self.rate_limits,
        )


class CcvShopCredentials(Block):
    """CCV Shop API key pair (back office > Settings > API: public key and secret key)."""

    _block_type_name: ClassVar[str] = "CCV Shop Credentials"
    _block_type_slug: ClassVar[str] = "ccvshop-credentials"
    _description: ClassVar[str] = "Shop URL and API public/secret key of a CCV Shop."

    url: str = Field(description="The shop's address, e.g. https://shop.example (the API is "
                                 "at /api/rest/v1 under it).")
    public_key: str = Field(description="API public key (sent as x-public).")
    secret_key: SecretStr = Field(description="API secret key: signs every request "
                                              "(HMAC-SHA512), never sent.")
    rate_limits: bool = Field(default=True, description="Stay under CCV's per-minute limits.")

    @field_validator("url")
    @classmethod
    def _shop_url(cls, value: str) -> str:
        return shop_url(value)

    def get_client(self):
        from ordersync.connectors.ccvshop import CcvShopConnector

        return CcvShopConnector(url=self.url, public_key=self.public_key,
                                secret_key=self.secret_key.get_secret_value(),
                                rate_limits=self.rate_limits)


class CartumCredentials(Block):
    """Cartum (Horoshop) API user: the shop's domain and an API login/password."""

    _block_type_name: ClassVar[str] = "Cartum Credentials"
    _block_type_slug: ClassVar[str] = "cartum-credentials"
    _description: ClassVar[str] = "Domain and API login/password of a Cartum shop."

    domain: str = Field(description="The shop's domain, e.g. shop.example.ua.")
    login: str = Field(description="API user login.")
    password: SecretStr = Field(description="API user password.")
    base_url: str | None = Field(default=None,
                                 description="Override https://{domain} (sandbox only).")
    utc_offset_hours: float = Field(default=2.0, description="The shop's timezone offset.")
    rate_limits: bool = Field(default=True, description="Space requests politely.")

    def get_client(self):
        from ordersync.connectors.cartum import CartumConnector

        return CartumConnector(
            domain=self.domain,
            login=self.login,
            password=self.password.get_secret_value(),
            base_url=self.base_url,
            utc_offset_hours=self.utc_offset_hours,
            rate_limits=self.rate_limits,
        )


class ShopwareCredentials(Block):
    """Shopware 6 Admin API integration (Settings > System > Integrations)."""

    _block_type_name: ClassVar[str] = "Shopware Credentials"
    _block_type_slug: ClassVar[str] = "shopware-credentials"
    _description: ClassVar[str] = "Shop URL and integration access key of a Shopware 6 shop."

    url: str = Field(description="The shop's base URL, e.g. https://shop.example (the Admin "
                                 "API is under /api).")
    client_id: str = Field(description="Integration access key id (SWIA...).")
    client_secret: SecretStr = Field(description="Integration secret access key.")
    sales_channel_id: str | None = Field(
        default=None, description="Sales channel the orders are booked on (32 hex id; empty: "
                                  "the shop's first active sales channel).")
    rate_limits: bool = Field(default=True, description="Space requests politely.")

    def get_client(self):
        from ordersync.connectors.shopware import ShopwareConnector

        return ShopwareConnector(
            url=self.url,
            client_id=self.client_id,
            client_secret=self.client_secret.get_secret_value(),
            sales_channel_id=self.sales_channel_id,
            rate_limits=self.rate_limits,
        )


class MagentoCredentials(Block):
    """Magento 2 / Adobe Commerce integration access token (System > Extensions >
    Integrations; resources Sales > Operations > Orders, Shipments, Catalog, Stores >
    Inventory > Sources)."""

    _block_type_name: ClassVar[str] = "Magento Credentials"
    _block_type_slug: ClassVar[str] = "magento-credentials"
    _description: ClassVar[str] = "Shop URL and integration access token of a Magento 2 store."

    base_url: str = Field(description="The shop's base URL, e.g. https://shop.example "
                                      "(REST is served under /rest/V1).")
    access_token: SecretStr = Field(description="Integration access token (Bearer).")
    store_code: str | None = Field(default=None,
                                   description="Store view code for /rest/{code}/V1; empty: "
                                               "the default store view.")
    source_code: str = Field(default="default",
                             description="MSI source whose quantities stock sync reads.")
    payment_method: str = Field(default="checkmo",
                                description="Offline payment method the created orders carry.")
    shipping_method: str = Field(default="flatrate_flatrate",
                                 description="Shipping method the created orders carry.")
    rate_limits: bool = Field(default=True, description="Space requests politely (Magento "
                                                        "has no REST rate limit by default).")

    def get_client(self):
        from ordersync.connectors.magento import MagentoConnector

        return MagentoConnector(
            base_url=self.base_url,
            access_token=self.access_token.get_secret_value(),
            store_code=self.store_code,
            source_code=self.source_code,
            payment_method=self.payment_method,
            shipping_method=self.shipping_method,
            rate_limits=self.rate_limits,
        )
