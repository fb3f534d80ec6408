"""Credentials blocks pointing at a running SandboxStack (demo and tests)."""

from __future__ import annotations

from prefect.blocks.core import Block

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CartumCredentials,
    ShopifyCredentials,
    ShopwareCredentials,
    WooCommerceCredentials,
)
from ordersync.sandbox import stack as sb


def sandbox_credentials(stack: sb.SandboxStack, platform: str, *,
                        rate_limits: bool | None = None) -> Block:
    """The credentials block of one served sandbox platform."""
    limits = stack.rate_limits if rate_limits is None else rate_limits
    url = stack.url(platform)
    if platform == "bolcom":
        return BolcomCredentials(client_id=sb.BOL_CLIENT_ID, client_secret=sb.BOL_CLIENT_SECRET,
                                 account="sandbox", api_url=url, login_url=url,
                                 rate_limits=limits)
    if platform == "amazon":
        return AmazonCredentials(client_id=sb.AMZ_CLIENT_ID, client_secret=sb.AMZ_CLIENT_SECRET,
                                 refresh_token=sb.AMZ_REFRESH, seller_id=sb.SELLER_ID,
                                 marketplace_id=sb.MARKETPLACE_ID, account="sandbox",
                                 api_url=url, token_url=f"{url}/auth/o2/token",
                                 rate_limits=limits)
    if platform == "shopify":
        return ShopifyCredentials(shop=sb.SHOP, access_token=sb.SHOP_TOKEN, base_url=url,
                                  rate_limits=limits)
    if platform == "woocommerce":
        return WooCommerceCredentials(url=url, consumer_key=sb.WOO_KEY,
                                      consumer_secret=sb.WOO_SECRET, rate_limits=limits)
    if platform == "shopware":
        return ShopwareCredentials(url=url, client_id=sb.SW_CLIENT_ID,
                                   client_secret=sb.SW_CLIENT_SECRET, rate_limits=limits)
    if platform == "cartum":
        return CartumCredentials(domain=sb.CARTUM_DOMAIN, login=sb.CARTUM_LOGIN,
                                 password=sb.CARTUM_PASSWORD, base_url=url, rate_limits=limits)
    raise ValueError(f"no sandbox credentials for {platform!r}")


def save_sandbox_connection(name: str, stack: sb.SandboxStack, *, marketplace: str | None = None,
                            rate_limits: bool | None = None, **settings) -> OrderConnection:
    """Save the credentials blocks and an order connection ``name`` (marketplace -> webshop)."""
    marketplace = marketplace or stack.marketplaces[0]
    market = sandbox_credentials(stack, marketplace, rate_limits=rate_limits)
    market.save(f"{name}-{marketplace}", overwrite=True)
    shop = sandbox_credentials(stack, stack.shop_platform, rate_limits=rate_limits)
    shop.save(f"{name}-{stack.shop_platform}", overwrite=True)
    connection = OrderConnection(marketplace=market, webshop=shop, **settings)
    connection.save(name, overwrite=True)
    return connection


def save_sandbox_shop_import(name: str, stack: sb.SandboxStack, *, rate_limits: bool | None = None,
                             **settings) -> Block:
    """Save the shop's credentials and a shop import connection ``name`` over it."""
    from ordersync.blocks.shop_import import ShopImportConnection

    shop = sandbox_credentials(stack, stack.shop_platform, rate_limits=rate_limits)
    shop.save(f"{name}-{stack.shop_platform}", overwrite=True)
    connection = ShopImportConnection(shop=shop, **settings)
    connection.save(name, overwrite=True)
    return connection
