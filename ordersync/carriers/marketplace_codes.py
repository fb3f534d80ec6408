"""Canonical carrier id -> each marketplace's carrier code, with fallbacks and overrides.

Sources: bol.com transporterCode values from PLATFORMS.md (the spec types it as a free
string); Amazon carrierCode and eBay shippingCarrierCode from their public carrier lists;
Kaufland carrier_code is the carrier name as returned by GET /v2/carriers. Codes we are not
sure a marketplace accepts are left out on purpose: the fallback ("Other" + name where the
marketplace takes a name) is better than a confident wrong code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ordersync.carriers.carriers_table import carrier_name, resolve_carrier_name

if TYPE_CHECKING:
    from ordersync.carriers.detect import Detection

MARKETPLACES = ("bolcom", "amazon", "ebay", "kaufland")

FALLBACK: dict[str, str] = {
    "bolcom": "OTHER",
    "amazon": "Other",
    "ebay": "Other",
    "kaufland": "Other",
}
# Marketplaces with a free-text carrier name next to the generic code (Amazon carrierName).
TAKES_NAME = frozenset({"amazon"})

# One table: canonical id -> {marketplace: code}. A missing entry means "use the fallback".
CODES: dict[str, dict[str, str]] = {
    "postnl": {"bolcom": "TNT", "amazon": "PostNL", "ebay": "PostNL", "kaufland": "PostNL"},
    "dhl_parcel": {"bolcom": "DHL", "amazon": "DHL", "ebay": "DHL", "kaufland": "DHL"},
    "dhl_paket": {"bolcom": "DHL_DE", "amazon": "DHL", "ebay": "DHL", "kaufland": "DHL"},
    "deutsche_post": {"bolcom": "DHL_DE", "amazon": "Deutsche Post", "ebay": "DeutschePost",
                      "kaufland": "Deutsche Post"},
    "dhl": {"amazon": "DHL", "ebay": "DHL", "kaufland": "DHL"},
    "dhl_express": {"amazon": "DHL Express", "ebay": "DHL", "kaufland": "DHL Express"},
    "dhl_ecommerce": {"bolcom": "DHL-GLOBAL-MAIL", "amazon": "DHL eCommerce", "ebay": "DHL"},
    "dpd": {"bolcom": "DPD-NL", "amazon": "DPD", "ebay": "DPD", "kaufland": "DPD"},
    "gls": {"bolcom": "GLS", "amazon": "GLS", "ebay": "GLS", "kaufland": "GLS"},
    "hermes": {"amazon": "Hermes Logistik Gruppe", "ebay": "Hermes", "kaufland": "Hermes"},
    "evri": {"ebay": "Hermes"},
    "yodel": {"amazon": "Yodel", "ebay": "Yodel"},
    "ups": {"bolcom": "UPS", "amazon": "UPS", "ebay": "UPS", "kaufland": "UPS"},
    "fedex": {"bolcom": "FEDEX_NL", "amazon": "FedEx", "ebay": "FedEx", "kaufland": "FedEx"},
    "tnt": {"bolcom": "TNT-EXPRESS", "amazon": "TNT", "ebay": "TNT", "kaufland": "TNT"},
    "usps": {"amazon": "USPS", "ebay": "USPS"},
    "royal_mail": {"amazon": "Royal Mail", "ebay": "RoyalMail"},
    "parcelforce": {"amazon": "Parcelforce", "ebay": "ParcelForce"},
    "bpost": {"bolcom": "BPOST_BE", "amazon": "Bpost", "ebay": "BPost", "kaufland": "Bpost"},
    "la_poste": {"amazon": "La Poste", "ebay": "LaPoste"},
    "colissimo": {"amazon": "Colissimo", "ebay": "Colissimo", "kaufland": "Colissimo"},
    "chronopost": {"amazon": "Chronopost", "ebay": "Chronopost", "kaufland": "Chronopost"},
    "correos": {"amazon": "Correos", "ebay": "Correos"},
    "poste_italiane": {"amazon": "Poste Italiane", "ebay": "PosteItaliane",
                       "kaufland": "Poste Italiane"},
    "brt": {"amazon": "BRT", "ebay": "Bartolini", "kaufland": "BRT"},
    "austrian_post": {"ebay": "AustrianPost", "kaufland": "Österreichische Post"},
    "an_post": {"ebay": "AnPost"},
    "china_post": {"amazon": "China Post", "ebay": "ChinaPost"},
    "australia_post": {"amazon": "Australia Post", "ebay": "AustraliaPost"},
    "canada_post": {"amazon": "Canada Post", "ebay": "CanadaPost"},
    "purolator": {"amazon": "Purolator", "ebay": "Purolator"},
    "canpar": {"amazon": "Canpar", "ebay": "CanPar"},
    "ontrac": {"amazon": "OnTrac", "ebay": "OnTrac"},
    "lasership": {"amazon": "Lasership"},
    "amazon_logistics": {"amazon": "Amazon Shipping"},
    "landmark": {"amazon": "Landmark Global"},
    "yunexpress": {"amazon": "YunExpress"},
    "budbee": {"bolcom": "BUDBEE"},
    "trunkrs": {"bolcom": "TRUNKRS"},
}  # fmt: skip

# Country variants: (carrier, marketplace, ship_to) -> code.
VARIANTS: dict[tuple[str, str, str], str] = {
    ("dpd", "bolcom", "BE"): "DPD-BE",
    ("fedex", "bolcom", "BE"): "FEDEX_BE",
}


@dataclass(frozen=True)
class MarketplaceCarrier:
    code: str
    name: str | None


def _fallback(
    marketplace: str, name: str | None, overrides: Mapping[str, str]
) -> MarketplaceCarrier:
    code = overrides.get("*", FALLBACK[marketplace])
    if marketplace in TAKES_NAME:
        return MarketplaceCarrier(code, name or "Other")
    return MarketplaceCarrier(code, None)


def marketplace_carrier(
    carrier: str | None,
    marketplace: str,
    *,
    overrides: Mapping[str, str] | None = None,
    ship_to: str | None = None,
) -> MarketplaceCarrier:
    """The code to send to `marketplace` for a canonical carrier id (None = unknown).

    overrides: per-connection {canonical id: marketplace code}; the key "*" replaces the
    fallback. ship_to picks country variants (bol.com DPD-BE, FEDEX_BE).
    """
    if marketplace not in FALLBACK:
        raise ValueError(f"unknown marketplace {marketplace!r}; expected one of {MARKETPLACES}")
    overrides = overrides or {}
    if carrier is None:
        return _fallback(marketplace, None, overrides)
    canonical = resolve_carrier_name(carrier) or carrier
    name = carrier_name(canonical)
    code = overrides.get(canonical) or overrides.get(carrier)
    if code is None:
        cc = (ship_to or "").upper()
        code = VARIANTS.get((canonical, marketplace, cc)) or CODES.get(canonical, {}).get(
            marketplace
        )
    if code is None:
        return _fallback(marketplace, name, overrides)
    if code == FALLBACK[marketplace] and marketplace in TAKES_NAME:
        return MarketplaceCarrier(code, name)
    return MarketplaceCarrier(code, None)


def marketplace_codes(
    detection: Detection,
    *,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    ship_to: str | None = None,
) -> dict[str, MarketplaceCarrier]:
    """Codes for every marketplace for a detection; ambiguous -> fallback + best-guess name.

    overrides: {marketplace: {canonical id: code}}.
    """
    overrides = overrides or {}
    out: dict[str, MarketplaceCarrier] = {}
    for mp in MARKETPLACES:
        mp_over = overrides.get(mp) or {}
        if detection.ambiguous:
            out[mp] = _fallback(mp, detection.name, mp_over)
        else:
            out[mp] = marketplace_carrier(detection.carrier, mp, overrides=mp_over, ship_to=ship_to)
    return out
