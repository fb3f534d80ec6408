"""Credentials blocks pointing at a running SandboxStack (demo and tests)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from prefect.blocks.core import Block

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import CartumCredentials
from ordersync.sandbox import stack as sb
from ordersync.sandbox.marketplaces import MARKETPLACES
from ordersync.sandbox.webshops import names as webshop_names
from ordersync.sandbox.webshops import webshop


def webshop_block(platform: str, url: str, rate_limits: bool) -> Block:
    """The credentials block of a registry webshop served at ``url``."""
    row = webshop(platform)
    return _block(row.block, row.block_fields(url, rate_limits))


def _block(path: str, fields: Mapping[str, Any]) -> Block:
    """A block of the class at ``path`` ("module:Class") with ``fields``."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)(**fields)


def sandbox_credentials(stack: sb.SandboxStack, platform: str, *,
                        rate_limits: bool | None = None) -> Block:
    """The credentials block of one served sandbox platform."""
    limits = stack.rate_limits if rate_limits is None else rate_limits
    url = stack.url(platform)
    if platform in MARKETPLACES:
        market = MARKETPLACES[platform]
        return _block(market.block, market.block_fields(url, limits))
    if platform in webshop_names():
        return webshop_block(platform, url, limits)
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
