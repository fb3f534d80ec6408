"""The pure rules: keys, page planning (pandas), delivery comments, platform rules."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from ordersync.orders import Address
from ordersync.orders.shop import ShopLine, ShopShipping
from ordersync.shop_import import (
    check_identify_by,
    delivery_of,
    email_key,
    phone_key,
    product_key,
    rules_for,
)
from ordersync.shop_import.keys import category_keys, default_region
from ordersync.shop_import.plan import (
    CurrencyMismatch,
    check_currency,
    email_keys,
    phone_keys,
    plan_page,
    unique_customers,
    unique_products,
)
from tests.shop_import.fakes import customer, order

PHONES = ["+31 6-1234 5678", "0031612345678", "06 12345678", None, "", "123", "+44 20 7946 0958",
          "0044 20 7946 0958", "(020) 794-6095", "garbage", "0470 12 34 56"]
EMAILS = ["Jan@Example.NL ", "jan@example.nl", "not-an-email", "a@b", None, "", " x@y.io"]


@pytest.mark.parametrize("code", [None, "31", "BE"])
def test_column_wise_keys_agree_with_the_scalar_ones(code):
    column = list(phone_keys(pd.Series(PHONES, dtype=object), code))
    assert [None if pd.isna(v) else v for v in column] == [phone_key(p, code) for p in PHONES]
    emails = list(email_keys(pd.Series(EMAILS, dtype=object)))
    assert [None if pd.isna(v) else v for v in emails] == [email_key(e) for e in EMAILS]


def test_phone_and_email_are_normalised():
    assert phone_key("+31 6-1234 5678") == phone_key("0031612345678") == "+31612345678"
    assert phone_key("06 12345678", "31") == "+31612345678"
    assert phone_key("06 12345678") != "+31612345678"  # no calling code: not guessed
    assert email_key(" Jan@Example.NL") == "jan@example.nl"
    assert email_key("nope") is None and phone_key("12") is None


@pytest.mark.parametrize(("written", "country", "e164"), [
    # Dutch: mobile and landline, national, international and with the 00 prefix
    ("06 12345678", "NL", "+31612345678"),
    ("06-1234 5678", "31", "+31612345678"),
    ("+31 (0)6 12345678", None, "+31612345678"),
    ("0031 6 12345678", "DE", "+31612345678"),
    ("(020) 794-6095", "NL", "+31207946095"),
    # Belgian
    ("0470 12 34 56", "BE", "+32470123456"),
    ("+32 470 12 34 56", "NL", "+32470123456"),
    ("0032470123456", None, "+32470123456"),
    # German
    ("030 1234567", "DE", "+49301234567"),
    ("+49 (0)30 1234567", "NL", "+49301234567"),
    ("0151 23456789", "49", "+4915123456789"),
    # international
    ("+44 20 7946 0958", "NL", "+442079460958"),
    ("0044 20 7946 0958", "BE", "+442079460958"),
    ("+1 (650) 253-0000", None, "+16502530000"),
])
def test_phone_numbers_become_e164_with_the_shop_country_as_default(written, country, e164):
    assert phone_key(written, country) == e164


def test_the_same_number_written_three_ways_is_one_key_only_in_its_own_country():
    ways = ["06 12345678", "+31612345678", "0031-6-12345678"]
    assert {phone_key(w, "NL") for w in ways} == {"+31612345678"}
    assert phone_key("06 12345678", "BE") != "+31612345678"  # a Belgian 06... is not Dutch


@pytest.mark.parametrize("garbage", [
    "", "   ", "n/a", "geen telefoon", "12", "+", "+999 123", "00", "123456789012345678901",
    "+31 12",
])
def test_garbage_is_no_phone_key(garbage):
    assert phone_key(garbage, "NL") is None
    assert phone_key(garbage) is None


def test_a_national_number_without_a_known_country_is_kept_as_written():
    assert phone_key("06 12345678") == "0612345678"  # never guessed into a country
    assert phone_key("06 12345678", "XX") == "0612345678"  # unknown country: same


def test_the_connection_takes_a_calling_code_or_a_country():
    assert default_region("31") == default_region("+31") == default_region("nl") == "NL"
    assert default_region("49") == "DE" and default_region("32") == "BE"
    assert default_region("999") is None and default_region("XX") is None
    assert default_region(None) is None


def test_product_key_follows_the_setting_with_fallbacks():
    args = dict(source="shopify:s", product_id="7", sku=" TEE-1 ", name="Tee  Shirt")
    assert product_key("sku", **args) == "sku:TEE-1"
    assert product_key("id", **args) == "id:shopify:s:7"
    assert product_key("name", **args) == "name:tee shirt"
    assert product_key("sku", **{**args, "sku": None}) == "id:shopify:s:7"
    assert product_key("id", **{**args, "product_id": None}) == "sku:TEE-1"


def test_identify_by_is_checked_per_platform():
    assert check_identify_by("shopify", "id") == "id"
    with pytest.raises(ValueError, match="cartum: choose one of name, sku"):
        check_identify_by("cartum", "id")


def test_category_keys_per_level():
    assert category_keys(("Clothing", " T-shirts ")) == [
        ("clothing", "Clothing", None), ("clothing/t-shirts", "T-shirts", "clothing")]


def test_plan_dedupes_products_and_customers_of_a_page():
    same = customer(1)
    orders = [order(i, cust=same) for i in (3, 6, 9)]  # all SKU-0, one customer
    plan = plan_page(orders, rules=rules_for("shopify"), identify_by="sku", source="shopify:s",
                     finished_statuses={"fulfilled"})
    assert [ln.product_key for ln in unique_products(plan.orders)] == ["sku:SKU-0"]
    assert len(unique_customers(plan.orders)) == 1


def test_repeated_lines_without_ids_get_distinct_keys():
    lines = tuple(ShopLine(None, None, "Gift", 1, Decimal("1")) for _ in range(3))
    plan = plan_page([order(1, lines=lines)], rules=rules_for("shopify"), identify_by="name",
                     source="shopify:s", finished_statuses=())
    assert [ln.key for ln in plan.orders[0].lines] == ["p:Gift", "p:Gift#1", "p:Gift#2"]


def test_strict_rules_only_for_woocommerce():
    bare = order(1, lines=(), cust=None)
    woo = plan_page([bare], rules=rules_for("woocommerce"), identify_by="sku", source="w",
                    finished_statuses=())
    shop = plan_page([bare], rules=rules_for("shopify"), identify_by="sku", source="s",
                     finished_statuses=())
    assert woo.orders[0].problems == ("no products", "no customer")
    assert shop.orders[0].problems == () and shop.orders[0].customer is None


def test_delivery_comment_and_fingerprint():
    o = order(1, shipping=(ShopShipping("PostNL", Decimal("4.95")),),
              shipping_address=Address(first_name="Jan", last_name="Smit", street="Dorpsweg 3",
                                       postal_code="3511 AB", city="Utrecht", country="NL"))
    d = delivery_of(o)
    assert d.comment == ("Delivery details - carrier: PostNL; delivery cost: 4.95 EUR; "
                         "recipient: Jan Smit, Dorpsweg 3, 3511 AB Utrecht, NL")
    moved = delivery_of(order(1, shipping=o.shipping, shipping_address=Address(city="Delft")))
    assert moved.fingerprint != d.fingerprint
    assert delivery_of(order(2, shipping=o.shipping, shipping_address=o.shipping_address)
                       ).fingerprint == d.fingerprint
    assert delivery_of(order(3, shipping=(), shipping_address=None)) is None


def test_currency_mismatch_is_a_clear_error():
    with pytest.raises(CurrencyMismatch, match="sells in USD but the hub's currency is EUR"):
        check_currency([order(1), order(2, currency="USD")], "EUR", "shopify shop 's'")


def test_platform_rules():
    assert rules_for("woocommerce").write_off_status == "completed"
    assert not rules_for("woocommerce").delivery_comments
    assert rules_for("cartum").status_sync and not rules_for("shopify").status_sync
    assert rules_for("shopify").customer_address
    assert rules_for("magento").platform == "magento"  # general rules
