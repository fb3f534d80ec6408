"""Canonical carrier ids, human names, home regions and the name alias table.

Pure data. A carrier's `regions` are the countries it picks parcels up in (ship-from);
None means it operates worldwide (express integrators, postal S10, marketplaces' own).
"""

from __future__ import annotations

import re
from typing import NamedTuple


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


EU = _codes("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK")
EUROPE = EU | _codes("GB CH NO IS LI MC AD SM VA RS BA ME MK AL UA TR")
BENELUX = frozenset({"NL", "BE", "LU"})
NORTH_AMERICA = frozenset({"US", "CA", "PR"})

# ISO 3166-1 alpha-2 plus AN (Netherlands Antilles, still seen on S10 items).
ISO_COUNTRIES = _codes(
    "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM "
    "BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY "
    "CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI "
    "GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD "
    "ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO "
    "NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC "
    "SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN "
    "TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)


class CarrierInfo(NamedTuple):
    name: str
    regions: frozenset[str] | None  # None = worldwide


CARRIERS: dict[str, CarrierInfo] = {
    "postnl": CarrierInfo("PostNL", BENELUX),
    "dhl_parcel": CarrierInfo("DHL Parcel (Benelux)", BENELUX),
    "dhl_paket": CarrierInfo("DHL Paket (Germany)", frozenset({"DE"})),
    "deutsche_post": CarrierInfo("Deutsche Post", None),
    "dhl_express": CarrierInfo("DHL Express", None),
    "dhl_ecommerce": CarrierInfo(
        "DHL eCommerce",
        _codes("US CA PR AU CN HK SG MY TH IN VN"),
    ),
    "dpd": CarrierInfo("DPD", EUROPE),
    "gls": CarrierInfo("GLS", EUROPE | NORTH_AMERICA),
    "hermes": CarrierInfo("Hermes Germany", frozenset({"DE", "AT"})),
    "evri": CarrierInfo("Evri (Hermes UK)", frozenset({"GB"})),
    "yodel": CarrierInfo("Yodel", frozenset({"GB"})),
    "ups": CarrierInfo("UPS", None),
    "fedex": CarrierInfo("FedEx", None),
    "tnt": CarrierInfo("TNT Express", None),
    "usps": CarrierInfo("USPS", None),
    "royal_mail": CarrierInfo("Royal Mail", None),
    "parcelforce": CarrierInfo("Parcelforce", frozenset({"GB"})),
    "bpost": CarrierInfo("bpost", None),
    "la_poste": CarrierInfo("La Poste", None),
    "colissimo": CarrierInfo("Colissimo", frozenset({"FR", "MC"})),
    "chronopost": CarrierInfo("Chronopost", frozenset({"FR", "MC"})),
    "correos": CarrierInfo("Correos", None),
    "poste_italiane": CarrierInfo("Poste Italiane", None),
    "brt": CarrierInfo("BRT", frozenset({"IT"})),
    "austrian_post": CarrierInfo("Österreichische Post", None),
    "swiss_post": CarrierInfo("Swiss Post", None),
    "postnord": CarrierInfo("PostNord", None),
    "posten_norge": CarrierInfo("Posten Norge", None),
    "posti": CarrierInfo("Posti", None),
    "an_post": CarrierInfo("An Post", None),
    "ctt": CarrierInfo("CTT", None),
    "poczta_polska": CarrierInfo("Poczta Polska", None),
    "ceska_posta": CarrierInfo("Česká pošta", None),
    "post_luxembourg": CarrierInfo("POST Luxembourg", None),
    "china_post": CarrierInfo("China Post", None),
    "hongkong_post": CarrierInfo("Hongkong Post", None),
    "singpost": CarrierInfo("Singapore Post", None),
    "japan_post": CarrierInfo("Japan Post", None),
    "australia_post": CarrierInfo("Australia Post", None),
    "canada_post": CarrierInfo("Canada Post", None),
    "amazon_logistics": CarrierInfo("Amazon Logistics", None),
    "purolator": CarrierInfo("Purolator", frozenset({"CA"})),
    "canpar": CarrierInfo("Canpar", frozenset({"CA"})),
    "ontrac": CarrierInfo("OnTrac", frozenset({"US"})),
    "lasership": CarrierInfo("LaserShip", frozenset({"US"})),
    "old_dominion": CarrierInfo("Old Dominion Freight Line", NORTH_AMERICA),
    "gofo": CarrierInfo("GOFO Express", frozenset({"US"})),
    "speedee": CarrierInfo("Spee-Dee Delivery", frozenset({"US"})),
    "landmark": CarrierInfo("Landmark Global", None),
    "yunexpress": CarrierInfo("YunExpress", None),
    # Carriers without a known public code format: only reachable by name/configuration.
    "budbee": CarrierInfo("Budbee", None),
    "trunkrs": CarrierInfo("Trunkrs", None),
    "dhl": CarrierInfo("DHL", None),  # family id; resolved to a member when possible
}

# UPU S10 country suffix -> the designated postal operator. Other countries get "post_xx".
POSTAL_OPERATORS: dict[str, str] = {
    "NL": "postnl", "DE": "deutsche_post", "BE": "bpost", "FR": "la_poste", "GB": "royal_mail",
    "ES": "correos", "IT": "poste_italiane", "AT": "austrian_post", "CH": "swiss_post",
    "US": "usps", "CA": "canada_post", "SE": "postnord", "DK": "postnord", "NO": "posten_norge",
    "FI": "posti", "IE": "an_post", "PT": "ctt", "PL": "poczta_polska", "CZ": "ceska_posta",
    "LU": "post_luxembourg", "CN": "china_post", "HK": "hongkong_post", "SG": "singpost",
    "JP": "japan_post", "AU": "australia_post",
}  # fmt: skip

DHL_FAMILY = frozenset({"dhl_parcel", "dhl_paket", "dhl_express", "dhl_ecommerce", "deutsche_post"})
FAMILIES: dict[str, frozenset[str]] = {"dhl": DHL_FAMILY}


def carrier_name(carrier: str) -> str:
    info = CARRIERS.get(carrier)
    if info is not None:
        return info.name
    if carrier.startswith("post_") and len(carrier) == 7:
        return f"Postal service {carrier[5:].upper()}"
    return carrier


def carrier_regions(carrier: str) -> frozenset[str] | None:
    info = CARRIERS.get(carrier)
    return info.regions if info is not None else None


def family_member_for_country(family: str, country: str | None) -> str:
    """Pick the member of a family ("dhl") that serves a ship-from country."""
    if family == "dhl":
        if country == "DE":
            return "dhl_paket"
        if country in BENELUX:
            return "dhl_parcel"
        if country in NORTH_AMERICA:
            return "dhl_ecommerce"
        return "dhl_express"
    return family


# Free-text carrier names (webshop, merchant settings) -> canonical id. Keys are squashed:
# lower-case with everything but letters and digits removed.
ALIASES: dict[str, str] = {
    "postnl": "postnl", "tnt": "postnl", "tntpost": "postnl", "postnlpakket": "postnl",
    "postnlpakketten": "postnl", "postnlbrievenbuspakje": "postnl", "3s": "postnl",
    "dhl": "dhl", "dhlgroup": "dhl",
    "dhlparcel": "dhl_parcel", "dhlparcelnl": "dhl_parcel", "dhlnl": "dhl_parcel",
    "dhlbenelux": "dhl_parcel", "dhlforyou": "dhl_parcel", "dhlparcelbe": "dhl_parcel",
    "dhlecommercenl": "dhl_parcel", "dhlecommercebenelux": "dhl_parcel",
    "dhlpaket": "dhl_paket", "dhlde": "dhl_paket", "dhlgermany": "dhl_paket",
    "dhldeutschland": "dhl_paket", "dhlparcelde": "dhl_paket", "dhlpaketde": "dhl_paket",
    "dhlexpress": "dhl_express", "dhlworldwideexpress": "dhl_express", "dhlintl": "dhl_express",
    "dhlecommerce": "dhl_ecommerce", "dhlglobalmail": "dhl_ecommerce",
    "deutschepost": "deutsche_post", "dpag": "deutsche_post", "warenpost": "deutsche_post",
    "dpd": "dpd", "dpdnl": "dpd", "dpdbe": "dpd", "dpdde": "dpd", "dpdgroup": "dpd",
    "dpduk": "dpd", "dpdpredict": "dpd", "iloxx": "dpd",
    "gls": "gls", "glsnl": "gls", "glsde": "gls",
    "glsgroup": "gls", "generallogisticssystems": "gls",
    "hermes": "hermes", "hermesde": "hermes", "myhermes": "hermes", "hermesgermany": "hermes",
    "hermeslogistikgruppe": "hermes", "evri": "evri", "hermesuk": "evri", "myhermesuk": "evri",
    "yodel": "yodel", "ups": "ups", "unitedparcelservice": "ups", "fedex": "fedex",
    "federalexpress": "fedex", "tntexpress": "tnt",
    "usps": "usps", "unitedstatespostalservice": "usps",
    "royalmail": "royal_mail",
    "parcelforce": "parcelforce", "bpost": "bpost", "belgianpost": "bpost",
    "bpostbe": "bpost", "laposte": "la_poste", "colissimo": "colissimo", "coliposte": "colissimo",
    "chronopost": "chronopost", "correos": "correos", "posteitaliane": "poste_italiane",
    "brt": "brt", "bartolini": "brt", "austrianpost": "austrian_post", "postat": "austrian_post",
    "osterreichischepost": "austrian_post", "österreichischepost": "austrian_post",
    "swisspost": "swiss_post", "postnord": "postnord", "postennorge": "posten_norge",
    "posti": "posti", "anpost": "an_post", "ctt": "ctt", "pocztapolska": "poczta_polska",
    "ceskaposta": "ceska_posta", "postluxembourg": "post_luxembourg", "chinapost": "china_post",
    "hongkongpost": "hongkong_post", "singpost": "singpost", "japanpost": "japan_post",
    "australiapost": "australia_post", "canadapost": "canada_post",
    "amazon": "amazon_logistics", "amazonlogistics": "amazon_logistics", "amzl": "amazon_logistics",
    "amazonshipping": "amazon_logistics", "purolator": "purolator", "canpar": "canpar",
    "ontrac": "ontrac", "lasership": "lasership", "olddominion": "old_dominion",
    "gofo": "gofo", "gofoexpress": "gofo", "speedee": "speedee", "landmark": "landmark",
    "landmarkglobal": "landmark", "yunexpress": "yunexpress", "budbee": "budbee",
    "trunkrs": "trunkrs",
}  # fmt: skip

_SQUASH = re.compile(r"[^0-9a-zà-ÿ]+")
# Longest aliases first so "dhlexpress" wins over "dhl" in substring search; very short
# aliases are only used for exact matches.
_SUBSTRING_ALIASES = sorted((a for a in ALIASES if len(a) >= 3), key=len, reverse=True)


def resolve_carrier_name(name: str | None) -> str | None:
    """Map a free-text carrier name or a canonical id to a canonical id (or family id)."""
    if not name:
        return None
    if name in CARRIERS:
        return name
    key = _SQUASH.sub("", name.lower())
    if not key:
        return None
    hit = ALIASES.get(key)
    if hit is not None:
        return hit
    for alias in _SUBSTRING_ALIASES:
        if alias in key:
            return ALIASES[alias]
    return None
