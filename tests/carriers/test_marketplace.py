"""Canonical carrier id -> marketplace codes, fallbacks and overrides."""

from __future__ import annotations

import pytest

from ordersync.carriers import (
    MARKETPLACES,
    MarketplaceCarrier,
    detect,
    marketplace_carrier,
    marketplace_codes,
)
from ordersync.carriers.marketplace_codes import CODES

BOL_CODES = {"TNT", "DHL", "DHL_DE", "DHLFORYOU", "DPD-NL", "DPD-BE", "GLS", "UPS", "FEDEX_NL",
             "FEDEX_BE", "BPOST_BE", "BPOST_BRIEF", "BRIEFPOST", "TNT-EXPRESS", "DHL-GLOBAL-MAIL",
             "PARCEL-NL", "BUDBEE", "TRUNKRS", "OTHER"}  # fmt: skip


def test_marketplaces_constant():
    assert MARKETPLACES == ("bolcom", "amazon", "ebay", "kaufland")


@pytest.mark.parametrize(
    ("carrier", "mp", "ship_to", "expected"),
    [
        ("postnl", "bolcom", None, MarketplaceCarrier("TNT", None)),
        ("dhl_parcel", "bolcom", None, MarketplaceCarrier("DHL", None)),
        ("dhl_paket", "bolcom", "NL", MarketplaceCarrier("DHL_DE", None)),
        ("dpd", "bolcom", "NL", MarketplaceCarrier("DPD-NL", None)),
        ("dpd", "bolcom", "BE", MarketplaceCarrier("DPD-BE", None)),
        ("bpost", "bolcom", "BE", MarketplaceCarrier("BPOST_BE", None)),
        ("gls", "bolcom", None, MarketplaceCarrier("GLS", None)),
        ("ups", "amazon", None, MarketplaceCarrier("UPS", None)),
        ("deutsche_post", "amazon", None, MarketplaceCarrier("Deutsche Post", None)),
        ("deutsche_post", "ebay", None, MarketplaceCarrier("DeutschePost", None)),
        ("hermes", "kaufland", None, MarketplaceCarrier("Hermes", None)),
        ("dhl_express", "bolcom", None, MarketplaceCarrier("OTHER", None)),
        ("budbee", "amazon", None, MarketplaceCarrier("Other", "Budbee")),
        ("yodel", "kaufland", None, MarketplaceCarrier("Other", None)),
    ],
)
def test_mapping(carrier, mp, ship_to, expected):
    assert marketplace_carrier(carrier, mp, ship_to=ship_to) == expected


def test_every_bol_code_in_the_table_is_a_known_transporter_code():
    for codes in CODES.values():
        if "bolcom" in codes:
            assert codes["bolcom"] in BOL_CODES


@pytest.mark.parametrize("mp", MARKETPLACES)
def test_unknown_carrier_falls_back(mp):
    mc = marketplace_carrier(None, mp)
    assert mc.code.lower() == "other"
    if mp == "amazon":
        assert mc.name  # carrierName is required with "Other"
    else:
        assert mc.name is None


def test_free_text_carrier_falls_back_with_its_name_on_amazon():
    assert marketplace_carrier("Brieftaube Express", "amazon") == MarketplaceCarrier(
        "Other", "Brieftaube Express"
    )
    # A free-text name that resolves to a canonical id is mapped.
    assert marketplace_carrier("PostNL", "bolcom").code == "TNT"


def test_overrides_per_connection():
    over = {"dpd": "DPD-BE", "hermes": "HERMES_DE", "*": "OTHER_CARRIER"}
    assert marketplace_carrier("dpd", "bolcom", overrides=over, ship_to="NL").code == "DPD-BE"
    assert marketplace_carrier("hermes", "kaufland", overrides=over).code == "HERMES_DE"
    assert marketplace_carrier("yodel", "kaufland", overrides=over).code == "OTHER_CARRIER"
    assert marketplace_carrier("postnl", "bolcom", overrides=over).code == "TNT"


def test_unknown_marketplace_raises():
    with pytest.raises(ValueError):
        marketplace_carrier("ups", "etsy")


def test_marketplace_codes_for_detections():
    d = detect("3SBOL0987654321", ship_from="NL")
    codes = marketplace_codes(d)
    assert codes["bolcom"].code == "TNT" and codes["amazon"].code == "PostNL"
    amb = detect("05362012345678", ship_from="DE")
    assert amb.ambiguous
    codes = marketplace_codes(amb)
    assert codes["bolcom"] == MarketplaceCarrier("OTHER", None)
    assert codes["amazon"] == MarketplaceCarrier("Other", amb.name)
    over = marketplace_codes(d, overrides={"bolcom": {"postnl": "PARCEL-NL"}})
    assert over["bolcom"].code == "PARCEL-NL"
