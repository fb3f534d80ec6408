"""The Magento credentials block: the connector it makes, its place in an order connection,
the sandbox's block, and the token kept out of reprs and dumps."""

from __future__ import annotations

from ordersync.blocks import BolcomCredentials, MagentoCredentials, OrderConnection
from ordersync.blocks.sandbox import sandbox_credentials
from ordersync.connectors.magento import MagentoConnector
from ordersync.sandbox.magento import MagentoTwin
from ordersync.sandbox.magento.merchant import MagentoMerchant
from ordersync.sandbox.merchant import ShopMerchant
from ordersync.sandbox.stack import SandboxStack


def _magento() -> MagentoCredentials:
    return MagentoCredentials(base_url="https://shop.example", access_token="t0k3n-s3cr3t",
                              store_code="nl", source_code="ams")


def test_block_makes_a_connector_with_its_settings_and_hides_the_token():
    block = _magento()
    connector = block.get_client()
    try:
        assert isinstance(connector, MagentoConnector)
        assert connector.prefix == "/rest/nl/V1" and connector.source_code == "ams"
        assert connector.account == "shop.example"
        assert "t0k3n-s3cr3t" not in repr(block) + str(block) + repr(connector)
        assert "t0k3n-s3cr3t" not in str(block.model_dump())
    finally:
        connector.close()


def test_order_connection_picks_magento_from_stored_fields():
    bol = BolcomCredentials(client_id="c", client_secret="s")
    stored = {"base_url": "https://shop.example", "access_token": "t0k3n-s3cr3t"}
    connection = OrderConnection.model_validate({"marketplace": bol, "webshop": stored})
    assert isinstance(connection.webshop, MagentoCredentials)
    assert connection.webshop.access_token.get_secret_value() == "t0k3n-s3cr3t"


def test_sandbox_block_reaches_the_served_twin():
    with SandboxStack(rate_limits=False, shop_platform="magento") as stack:
        stack.magento.add_product("MUG-350", stock=7)
        connector = sandbox_credentials(stack, "magento").get_client()
        try:
            assert connector.read_stock().quantities == {"MUG-350": 7}
        finally:
            connector.close()


def test_the_merchant_adapter_is_a_shop_merchant():
    assert isinstance(MagentoMerchant(MagentoTwin()), ShopMerchant)


def test_connection_round_trips_through_prefect_as_magento(prefect_server):
    _magento().save("magento-shop", overwrite=True)
    OrderConnection(marketplace=BolcomCredentials(client_id="c", client_secret="s"),
                    webshop=MagentoCredentials.load("magento-shop")).save("bol-magento",
                                                                          overwrite=True)
    loaded = OrderConnection.load("bol-magento")
    assert isinstance(loaded.webshop, MagentoCredentials)
    assert loaded.webshop.access_token.get_secret_value() == "t0k3n-s3cr3t"
    assert loaded.webshop.store_code == "nl"
