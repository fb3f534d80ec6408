"""The webshop registry: one row per webshop the order loop writes to.

A row says everything the sandbox stack, the credentials blocks of the demo, the loop tests'
platform matrix, the chaos world and the conformance kit (``tests/conformance``) need to know
of one webshop: its twin, its connector over a served URL, its credentials block, its merchant
(``ShopMerchant``) and the few facts the kit needs (which request creates an order). Adding a
webshop = its connector, its twin + ``merchant.py``, its credentials block, and one row here.

The credentials block is named by import path (``module:Class``) plus its fields, so the
sandbox never imports Prefect; ``ordersync.blocks.sandbox`` builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ordersync.connectors.base import WebshopConnector
from ordersync.connectors.ccvshop import CcvShopConnector
from ordersync.connectors.lightspeed import LightspeedConnector
from ordersync.connectors.magento import MagentoConnector
from ordersync.connectors.prestashop import PrestaShopConnector
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.connectors.shopware import ShopwareConnector
from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.sandbox.ccvshop import CcvShopTwin
from ordersync.sandbox.ccvshop.merchant import WHOLE_ORDERS as CCV_WHOLE_ORDERS
from ordersync.sandbox.ccvshop.merchant import CcvShopMerchant
from ordersync.sandbox.lightspeed import LightspeedTwin
from ordersync.sandbox.lightspeed.merchant import PER_LINE as LIGHTSPEED_PER_LINE
from ordersync.sandbox.lightspeed.merchant import LightspeedMerchant
from ordersync.sandbox.magento import MagentoTwin
from ordersync.sandbox.magento.merchant import MagentoMerchant
from ordersync.sandbox.merchant import ShopMerchant
from ordersync.sandbox.prestashop import PrestaShopTwin
from ordersync.sandbox.prestashop.merchant import WHOLE_ORDERS, PrestaShopMerchant
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.sandbox.shopify.merchant import ShopifyMerchant
from ordersync.sandbox.shopware import ShopwareTwin
from ordersync.sandbox.shopware.merchant import ShopwareMerchant
from ordersync.sandbox.woocommerce import WooCommerceTwin
from ordersync.sandbox.woocommerce.merchant import WooCommerceMerchant

SHOP, SHOP_TOKEN = "sandbox", "shpat_sandbox"
WOO_KEY, WOO_SECRET = "ck_sandbox", "cs_sandbox"
PS_KEY = "SANDBOXPRESTASHOPWEBSERVICEKEY00"  # 32 characters, as the back office makes them
LS_KEY, LS_SECRET, LS_LANGUAGE = "ls_sandbox_key", "ls_sandbox_secret", "nl"
CCV_PUBLIC, CCV_SECRET = "ccv_public_sandbox", "ccv_secret_sandbox"
MAGENTO_TOKEN = "magento-sandbox-token"
SW_CLIENT_ID, SW_CLIENT_SECRET = "SWIASANDBOX", "sandbox-secret"


@dataclass(frozen=True)
class Webshop:
    """One webshop of the registry (see the module docstring)."""

    platform: str
    title: str  # as a merchant names it ("Shopify")
    twin: Callable[[bool], Any]  # rate_limits -> a new twin (``.app``, ``.controls``)
    connector: Callable[..., WebshopConnector]  # (url, rate_limits, **kw) -> connector
    block: str  # the credentials block class, "module:Class"
    block_fields: Callable[[str, bool], Mapping[str, Any]]  # (url, rate_limits) -> fields
    merchant: Callable[[Any], ShopMerchant]  # twin -> its merchant
    create_path: str  # regex of the path of the request that creates an order (POST)
    fault_paths: tuple[str, ...] = ()  # paths worth faulting in chaos storms (regexes)
    rate_limited: bool = True  # the twin applies the platform's documented rate limit
    per_line: str | None = None  # None: ships per line; else the platform's reason why not
    notes: tuple[str, ...] = field(default=())  # what the platform cannot do, and why


WEBSHOPS: dict[str, Webshop] = {}


def register(row: Webshop) -> Webshop:
    """Add a row (a new webshop's package calls this, or it is listed below)."""
    WEBSHOPS[row.platform] = row
    return row


def webshop(platform: str) -> Webshop:
    """The row of ``platform``; a ValueError naming the registered webshops otherwise."""
    try:
        return WEBSHOPS[platform]
    except KeyError:
        raise ValueError(f"no webshop {platform!r} in the registry (webshops: "
                         f"{', '.join(WEBSHOPS)})") from None


def names() -> tuple[str, ...]:
    return tuple(WEBSHOPS)


register(Webshop(
    platform="shopify", title="Shopify",
    twin=lambda rate_limits: ShopifyTwin(SHOP, (SHOP_TOKEN,), rate_limits=rate_limits),
    connector=lambda url, rate_limits, **kw: ShopifyConnector(
        shop=SHOP, access_token=SHOP_TOKEN, base_url=url, rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:ShopifyCredentials",
    block_fields=lambda url, rate_limits: {"shop": SHOP, "access_token": SHOP_TOKEN,
                                           "base_url": url, "rate_limits": rate_limits},
    merchant=ShopifyMerchant,
    create_path=r"^/admin/api/[^/]+/orders\.json$",
    fault_paths=("/orders.json$", r"/orders/\d+.json$", "/fulfillment", "^/admin/api/"),
    per_line=None,
    notes=("a line is cancelled by an order edit or refund, which the twin does not model",),
))

register(Webshop(
    platform="woocommerce", title="WooCommerce",
    twin=lambda rate_limits: WooCommerceTwin({WOO_KEY: WOO_SECRET}),
    connector=lambda url, rate_limits, **kw: WooCommerceConnector(
        url=url, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET, rate_limits=rate_limits,
        **kw),
    block="ordersync.blocks.credentials:WooCommerceCredentials",
    block_fields=lambda url, rate_limits: {"url": url, "consumer_key": WOO_KEY,
                                           "consumer_secret": WOO_SECRET,
                                           "rate_limits": rate_limits},
    merchant=WooCommerceMerchant,
    create_path=r"^/wp-json/wc/v3/orders$",
    fault_paths=("/orders$", r"/orders/\d+$", "/shipment-trackings$", "^/wp-json/"),
    rate_limited=False,
    per_line="core WooCommerce completes whole orders (no per-line fulfilment; the Shipment "
             "Tracking extension's entries name no lines)",
    notes=("WooCommerce core has no rate limit; the connector paces itself politely",),
))

register(Webshop(
    platform="shopware", title="Shopware 6",
    twin=lambda rate_limits: ShopwareTwin({SW_CLIENT_ID: SW_CLIENT_SECRET},
                                          rate_limits=rate_limits),
    connector=lambda url, rate_limits, **kw: ShopwareConnector(
        url=url, client_id=SW_CLIENT_ID, client_secret=SW_CLIENT_SECRET,
        rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:ShopwareCredentials",
    block_fields=lambda url, rate_limits: {"url": url, "client_id": SW_CLIENT_ID,
                                           "client_secret": SW_CLIENT_SECRET,
                                           "rate_limits": rate_limits},
    merchant=ShopwareMerchant,
    create_path=r"^/api/order$",
    fault_paths=("^/api/order$", "^/api/search/order$", "^/api/_action/", "^/api/"),
    per_line=None,  # parts ship as separate order_delivery rows (see the merchant)
    notes=("the Admin API itself has no rate limit; only the oauth token route is limited "
           "(time_backoff), which the connector keeps far below",
           "core Shopware has no per-line shipment: parts are separate order deliveries, as "
           "shipping plugins and ERP integrations write them",
           "no LineCanceller: changing an order's lines needs order versioning (create a "
           "version, edit, recalculate, merge), which the connector does not do; a partial "
           "marketplace cancellation is manual",
           "no ReturnRegistrar: core Shopware has no returns entity (Return Management is "
           "Shopware Commercial)",),
))

register(Webshop(
    platform="magento", title="Magento 2",
    twin=lambda rate_limits: MagentoTwin(MAGENTO_TOKEN),
    connector=lambda url, rate_limits, **kw: MagentoConnector(
        base_url=url, access_token=MAGENTO_TOKEN, rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:MagentoCredentials",
    block_fields=lambda url, rate_limits: {"base_url": url, "access_token": MAGENTO_TOKEN,
                                           "rate_limits": rate_limits},
    merchant=MagentoMerchant,
    create_path=r"^/rest/(?:[^/]+/)?V1/orders$",
    fault_paths=("/V1/orders$", r"/V1/orders/\d+$", "/V1/shipments$", "^/rest/"),
    rate_limited=False,
    per_line=None,
    notes=("Magento has no REST rate limit by default (only the optional one on cart payment "
           "routes, 2.4.7+); the connector paces itself politely",
           "no single line is cancelled: Magento's admin and REST API cancel whole orders "
           "(POST /V1/orders/{id}/cancel); a line comes out with a credit memo, which needs "
           "an invoice",
           "returns are not registered in Magento: a return is a credit memo "
           "(POST /V1/order/{id}/refund), which needs an invoice the hub's orders do not have",
           "a test order cannot be deleted: Magento's REST API has no order delete (no DELETE "
           "/V1/orders/{id} in admin-schema-2.4.8) and a shipped (complete) order cannot be "
           "cancelled; it is left there, marked as a test order, and that is recorded once"),
))

register(Webshop(
    platform="prestashop", title="PrestaShop",
    twin=lambda rate_limits: PrestaShopTwin((PS_KEY,), rate_limits=rate_limits),
    connector=lambda url, rate_limits, **kw: PrestaShopConnector(
        url=url, api_key=PS_KEY, rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:PrestaShopCredentials",
    block_fields=lambda url, rate_limits: {"url": url, "api_key": PS_KEY,
                                           "rate_limits": rate_limits},
    merchant=PrestaShopMerchant,
    create_path=r"^/api/orders$",
    fault_paths=("/api/orders$", r"/api/orders/\d+$", "/api/order_carriers$",
                 "/api/order_histories$", "^/api/"),
    rate_limited=False,
    per_line=WHOLE_ORDERS,
    notes=("PrestaShop core has no webservice rate limit; the connector paces itself politely",
           "the webservice reads XML bodies only (8.x); answers are asked as JSON",
           "an order is created from a cart: customer, address, cart, then the order"),
))

register(Webshop(
    platform="lightspeed", title="Lightspeed eCom",
    twin=lambda rate_limits: LightspeedTwin({LS_KEY: LS_SECRET}, rate_limits=rate_limits),
    connector=lambda url, rate_limits, **kw: LightspeedConnector(
        cluster_url=url, language=LS_LANGUAGE, api_key=LS_KEY, api_secret=LS_SECRET,
        rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:LightspeedCredentials",
    block_fields=lambda url, rate_limits: {"cluster_url": url, "language": LS_LANGUAGE,
                                           "api_key": LS_KEY, "api_secret": LS_SECRET,
                                           "rate_limits": rate_limits},
    merchant=LightspeedMerchant,
    create_path=r"^/[a-z]+/checkouts/\d+/order\.json$",
    fault_paths=(r"/orders\.json$", r"/orders/\d+\.json$", r"/checkouts", r"/shipments",
                 r"^/[a-z]+/"),
    per_line=LIGHTSPEED_PER_LINE,
    notes=("orders are created through the checkout flow (the API has no POST /orders)",
           "a line is credited (POST /orders/{id}/credit.json), not cancelled; not modelled"),
))

register(Webshop(
    platform="ccvshop", title="CCV Shop",
    twin=lambda rate_limits: CcvShopTwin({CCV_PUBLIC: CCV_SECRET}, rate_limits=rate_limits),
    connector=lambda url, rate_limits, **kw: CcvShopConnector(
        url=url, public_key=CCV_PUBLIC, secret_key=CCV_SECRET, rate_limits=rate_limits, **kw),
    block="ordersync.blocks.credentials:CcvShopCredentials",
    block_fields=lambda url, rate_limits: {"url": url, "public_key": CCV_PUBLIC,
                                           "secret_key": CCV_SECRET,
                                           "rate_limits": rate_limits},
    merchant=CcvShopMerchant,
    create_path=r"^/api/rest/v1/orders/$",
    fault_paths=("/orders/$", r"/orders/\d+/$", "/products/$", "^/api/rest/v1/"),
    per_line=CCV_WHOLE_ORDERS,
    notes=("no modification date or changed-since filter on orders: each poll lists the orders "
           "created in the last 30 days (ordersync.connectors.ccvshop.facts.CHANGE_WINDOW)",
           "orders are cancelled whole (status 8): a row is changed only by replacing all rows"),
))
