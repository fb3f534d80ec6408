"""Connection blocks round-trip through a real Prefect server with every credentials type."""

import pytest
from pydantic import ValidationError

from ordersync.blocks import (
    AmazonCredentials,
    BolcomCredentials,
    OrderConnection,
    ShopifyCredentials,
    WooCommerceCredentials,
)
from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.woocommerce import WooCommerceConnector


def _amazon() -> AmazonCredentials:
    return AmazonCredentials(client_id="amzn1.application-oa2-client.x", client_secret="s3cr3t-x",
                             refresh_token="Atzr|r3fr3sh", seller_id="A1SELLER", account="nl")


def _woo() -> WooCommerceCredentials:
    return WooCommerceCredentials(url="https://shop.example/", consumer_key="ck_k3y",
                                  consumer_secret="cs_s3cr3t")


def test_amazon_to_woocommerce_connection_loads_back_as_those_types(prefect_server):
    OrderConnection(marketplace=_amazon(), webshop=_woo(),
                    pending_orders="import").save("blocks-amz-woo", overwrite=True)

    loaded = OrderConnection.load("blocks-amz-woo")

    assert isinstance(loaded.marketplace, AmazonCredentials)
    assert isinstance(loaded.webshop, WooCommerceCredentials)
    assert loaded.marketplace.refresh_token.get_secret_value() == "Atzr|r3fr3sh"
    assert loaded.settings("blocks-amz-woo").pending_orders == "import"
    market, shop = loaded.marketplace.get_client(), loaded.webshop.get_client()
    try:
        assert isinstance(market, AmazonConnector) and isinstance(shop, WooCommerceConnector)
        assert "s3cr3t" not in repr(market) + repr(shop)
    finally:
        market.close()
        shop.close()


def test_connection_to_separately_saved_blocks_loads_each_as_its_own_type(prefect_server):
    _amazon().save("blocks-amz", overwrite=True)
    _woo().save("blocks-woo", overwrite=True)
    OrderConnection(marketplace=AmazonCredentials.load("blocks-amz"),
                    webshop=WooCommerceCredentials.load("blocks-woo")).save("blocks-ref",
                                                                            overwrite=True)

    loaded = OrderConnection.load("blocks-ref")

    assert isinstance(loaded.marketplace, AmazonCredentials)
    assert isinstance(loaded.webshop, WooCommerceCredentials)
    assert loaded.marketplace.seller_id == "A1SELLER"


def test_unrecognisable_credentials_fail_with_a_message():
    with pytest.raises(ValidationError, match="cannot tell which credentials"):
        OrderConnection(marketplace={"token": "x"}, webshop=_woo())


def test_bolcom_to_shopify_connection_still_loads_as_before(prefect_server):
    bol = BolcomCredentials(client_id="id", client_secret="secret")
    shop = ShopifyCredentials(shop="s", access_token="shpat_x")
    OrderConnection(marketplace=bol, webshop=shop).save("blocks-bol-shop", overwrite=True)

    loaded = OrderConnection.load("blocks-bol-shop")

    assert isinstance(loaded.marketplace, BolcomCredentials)
    assert isinstance(loaded.webshop, ShopifyCredentials)
    assert loaded.settings("blocks-bol-shop").pending_orders == "reserve"


@pytest.mark.parametrize("url", ["shop.example", "ftp://shop.example", "https://"])
def test_woocommerce_url_must_be_a_site_address_with_a_message_that_says_so(url):
    with pytest.raises(ValidationError, match="https://shop.example"):
        WooCommerceCredentials(url=url, consumer_key="ck", consumer_secret="cs")


@pytest.mark.parametrize("url", ["http://shop.example/", "https://shop.example"])
def test_woocommerce_http_sites_are_accepted_with_oauth_and_secrets_stay_secret(url):
    """WooCommerce takes OAuth 1.0a over plain http (the connector signs; Basic only on
    https), so an http shop is a valid block; the key pair stays SecretStr."""
    block = WooCommerceCredentials(url=url, consumer_key="ck_k3y", consumer_secret="cs_s3cr3t")
    assert block.url == url.rstrip("/")
    assert "cs_s3cr3t" not in repr(block) and "cs_s3cr3t" not in block.model_dump_json()
    with block.get_client() as connector:
        assert isinstance(connector, WooCommerceConnector) and connector.url == block.url
        assert "cs_s3cr3t" not in repr(connector)


def test_pending_orders_mode_is_validated():
    with pytest.raises(ValidationError, match="pending_orders"):
        OrderConnection(marketplace=_amazon(), webshop=_woo(), pending_orders="sometimes")


def test_shop_import_connection_to_a_saved_cartum_block_loads_as_cartum(prefect_server):
    from ordersync.blocks import CartumCredentials
    from ordersync.blocks.shop_import import ShopImportConnection

    CartumCredentials(domain="shop.example.ua", login="api", password="pw").save(
        "blocks-cartum", overwrite=True)
    ShopImportConnection(shop=CartumCredentials.load("blocks-cartum"), hub_currency="UAH",
                         identify_products_by="sku").save("blocks-shop", overwrite=True)

    assert isinstance(ShopImportConnection.load("blocks-shop").shop, CartumCredentials)
