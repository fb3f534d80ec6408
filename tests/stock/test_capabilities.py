"""Stock paths are chosen by the protocols a connector implements, never by its platform name."""

from __future__ import annotations

import pytest

from ordersync.connectors.amazon.connector import AmazonConnector
from ordersync.connectors.bolcom.connector import BolcomConnector
from ordersync.connectors.capabilities import (
    ListingQuantityWriter,
    MissingCapability,
    OfferStockWriter,
    StockReader,
    require,
)
from ordersync.connectors.shopify.connector import ShopifyConnector
from ordersync.connectors.woocommerce.connector import WooCommerceConnector
from ordersync.stock.writers import AmazonWriter, BolcomWriter, writer_for


def test_each_connector_implements_its_stock_style():
    for cls in (ShopifyConnector, WooCommerceConnector):
        assert "read_stock" in dir(cls)
    assert all(hasattr(AmazonConnector, m) for m in ("set_quantity", "create_feed", "feed"))
    assert all(hasattr(BolcomConnector, m) for m in ("set_stock", "offer_export"))


class Partial:
    """A marketplace connector that can patch listings but has no feeds (a new platform)."""

    platform, account = "kaufland", "k1"

    def set_quantity(self, sku: str, quantity: int): ...

    def listing_quantity(self, sku: str): ...


def test_a_connector_without_a_stock_style_fails_fast_naming_what_it_lacks():
    with pytest.raises(MissingCapability) as info:
        writer_for(None, Partial())  # type: ignore[arg-type]
    text = str(info.value)
    assert text.startswith("kaufland cannot do stock updates")
    assert "ListingQuantityWriter lacks create_feed, create_feed_document, feed" in text
    assert "OfferStockWriter lacks " in text and "set_stock" in text
    with pytest.raises(MissingCapability, match="not a StockSource .lacks read_stock"):
        require(Partial(), StockReader, "the stock sync")


class Listing(Partial):
    def create_feed_document(self, quantities): ...

    def create_feed(self, document_id): ...

    def feeds_since(self, created_since): ...

    def feed(self, feed_id): ...

    def feed_report(self, feed): ...


class Offers:
    platform, account = "bolcom", "b1"

    def request_offer_export(self): ...

    def offer_export_report(self, process_id): ...

    def offer_export(self, report_id): ...

    def set_stock(self, offer_id, amount): ...

    def process_statuses(self, ids): ...

    def stock_processes(self, offer_id): ...


class Ctx:
    stock_store = None


def test_the_writer_follows_the_protocol_not_the_platform_name():
    assert isinstance(Listing(), ListingQuantityWriter)
    assert isinstance(Offers(), OfferStockWriter) and not isinstance(Offers(), StockReader)
    assert type(writer_for(Ctx(), Listing())) is AmazonWriter  # type: ignore[arg-type]
    assert type(writer_for(Ctx(), Offers())) is BolcomWriter  # type: ignore[arg-type]
