"""The rule table: one entry per tracking-number format, indexed by code length.

Every rule is a pattern (checked with `fullmatch` on the normalised code) plus an
evaluator that returns `Hit`s - carrier, context-free confidence and reasons. Confidence
tiers (before context):

* ~0.95  checksum valid and a carrier-specific prefix/shape (1Z, S10, DPD 28, 00340434)
* ~0.85  carrier-specific prefix without a checksum (TBA, 3S, JJD, GFUS, LTN...N1)
* ~0.55  checksum valid on a generic all-digit shape (12/15/20 digits)
* ~0.35  shape only (14 digits, 8 alphanumerics)
* ~0.15  specific shape whose checksum FAILS (kept so a typo is visible, never accepted)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from ordersync.carriers import checksums as cs
from ordersync.carriers.carriers_table import (
    ISO_COUNTRIES,
    NORTH_AMERICA,
    POSTAL_OPERATORS,
    _codes,
)

BAD_CHECKSUM = 0.15
US = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})
PREFIX = "format only (no checksum)"


class Hit(NamedTuple):
    carrier: str
    confidence: float
    reasons: tuple[str, ...]
    regions: frozenset[str] | None = None  # overrides the carrier's regions for this format


Evaluator = Callable[[str], tuple[Hit, ...]]


class Rule(NamedTuple):
    id: str
    lengths: tuple[int, ...]
    pattern: re.Pattern[str]
    evaluate: Evaluator


def _simple(
    carriers: tuple[tuple[str, float], ...],
    reasons: tuple[str, ...],
    check: Callable[[str], bool] | None = None,
    check_name: str = "",
    keep_bad: bool = False,
    regions: frozenset[str] | None = None,
) -> Evaluator:
    """Evaluator for a format with fixed carrier(s) and an optional checksum."""
    if check is not None:
        ok_reasons = (f"checksum valid: {check_name}", *reasons)
    else:
        ok_reasons = (*reasons, PREFIX)
    good = tuple(Hit(c, conf, ok_reasons, regions) for c, conf in carriers)
    bad_reasons = (f"checksum INVALID: {check_name}", *reasons)
    bad = tuple(Hit(c, BAD_CHECKSUM, bad_reasons, regions) for c, _ in carriers) if keep_bad else ()

    def evaluate(code: str) -> tuple[Hit, ...]:
        if check is None or check(code):
            return good
        return bad

    return evaluate


# --- UPU S10 -----------------------------------------------------------------------------

_S10_SERVICE_OK = re.compile(r"[ELMRUVCH][A-Z]|Q[A-M]|[BDNPZ][A-Z]|A[V-Z]|G[AD]")
_S10_KIND = {"E": "EMS", "C": "parcel", "R": "registered", "L": "letter", "V": "insured",
             "U": "untracked", "H": "e-commerce", "M": "M-bag"}  # fmt: skip


def _s10_operators(country: str, service: str) -> tuple[tuple[str, float], ...]:
    if country == "FR":
        if service == "C":
            return (("colissimo", 1.0), ("la_poste", 0.9))
        if service == "E":
            return (("chronopost", 1.0), ("la_poste", 0.9))
        return (("la_poste", 1.0),)
    if country == "GB" and service == "P":
        return (("parcelforce", 1.0), ("royal_mail", 0.95))
    return ((POSTAL_OPERATORS.get(country, f"post_{country.lower()}"), 1.0),)


def _eval_s10(code: str) -> tuple[Hit, ...]:
    country = code[11:]
    if country not in ISO_COUNTRIES:
        return ()
    return _s10_hits(country, code[:2], cs.s10_valid(code))


@lru_cache(maxsize=4096)
def _s10_hits(country: str, service: str, valid: bool) -> tuple[Hit, ...]:
    service_ok = _S10_SERVICE_OK.fullmatch(service) is not None
    kind = _S10_KIND.get(service[0])
    base_reasons = [f"country suffix {country}"]
    if kind:
        base_reasons.append(f"service indicator {service} ({kind})")
    if valid:
        conf = 0.95 if service_ok else 0.7
        reasons = ("checksum valid: s10", *base_reasons)
        if not service_ok:
            reasons = (*reasons, f"service indicator {service} is not allocated")
    else:
        conf = BAD_CHECKSUM
        reasons = ("checksum INVALID: s10", *base_reasons)
    operators = _s10_operators(country, service[0])
    return tuple(Hit(c, round(conf * w, 3), reasons) for c, w in operators)


# --- DPD -----------------------------------------------------------------------------------

_DPD_SERVICES = _codes("101 102 105 106 109 110 113 136 154 155 161 179 191 225 237 327 350")


def _eval_dpd28(code: str) -> tuple[Hit, ...]:
    if cs.mod37_36_check_char(code[:27]) != code[27]:
        return (Hit("dpd", BAD_CHECKSUM, ("checksum INVALID: iso7064 mod 37,36", "DPD 28")),)
    reasons = ["checksum valid: iso7064 mod 37,36", "DPD 28-character barcode"]
    conf = 0.95
    if code[24:27] == "000":
        conf = 0.4
        reasons.append("country code 000 is not a country")
    else:
        reasons.append(f"destination country {code[24:27]} (ISO numeric)")
    if code[21:24] in _DPD_SERVICES:
        reasons.append(f"service {code[21:24]}")
    return (Hit("dpd", conf, tuple(reasons)),)


def _eval_dpd15(code: str) -> tuple[Hit, ...]:
    if cs.mod37_36_check_char(code[:14]) != code[14]:
        return ()
    # A letter as check character is strong evidence (FedEx/others only use digits).
    conf = 0.8 if code[14].isalpha() else 0.7
    return (Hit("dpd", conf, ("checksum valid: iso7064 mod 37,36", "DPD 14 digits + check")),)


# --- DHL -------------------------------------------------------------------------------------


def _eval_sscc20(code: str) -> tuple[Hit, ...]:
    """20 digits 00 + SSCC-18 (DHL Paket "00340434..." and other SSCC users)."""
    valid = cs.gs1_valid(code[:19], code[19])
    dhl_prefix = code.startswith("003404")
    if not valid:
        if dhl_prefix:
            return (
                Hit("dhl_paket", BAD_CHECKSUM, ("checksum INVALID: gs1 mod 10", "prefix 003404")),
            )
        return ()
    if dhl_prefix:
        return (Hit("dhl_paket", 0.95, ("checksum valid: gs1 mod 10", "prefix 003404 (DHL SSCC)")),)
    return (Hit("dhl_paket", 0.5, ("checksum valid: gs1 mod 10", "SSCC with AI 00")),)


def _eval_dhl_piece(code: str) -> tuple[Hit, ...]:
    if code.startswith("JVGL"):
        return (
            Hit(
                "dhl_parcel",
                0.85,
                ("prefix JVGL (DHL Parcel Benelux)", "format only (no checksum)"),
            ),
            Hit("dhl_express", 0.6, ("DHL piece id J + letters", "format only (no checksum)")),
        )
    if code.startswith("JJD"):
        reasons = ("prefix JJD (DHL licence plate)", "format only (no checksum)")
        return (Hit("dhl_express", 0.7, reasons), Hit("dhl_paket", 0.65, reasons))
    return (Hit("dhl_express", 0.6, ("DHL piece id J + letters", "format only (no checksum)")),)


def _eval_dhl_ecommerce(code: str) -> tuple[Hit, ...]:
    if not any(ch.isdigit() for ch in code[2:]):
        return ()
    if code.startswith("GM"):
        return (
            Hit("dhl_ecommerce", 0.8, ("prefix GM (DHL Global Mail)", "format only (no checksum)")),
        )
    return (Hit("dhl_ecommerce", 0.3, (f"prefix {code[:2]}", "format only (no checksum)")),)


# --- USPS / FedEx -----------------------------------------------------------------------------


def _eval_usps_impb(code: str) -> tuple[Hit, ...]:
    """IMpb 22/26 digits starting 91-95, optionally behind a 420 + ZIP(5/9) routing code."""
    bodies = [code]
    if code.startswith("420"):
        bodies = [code[8:], code[12:]]
    for body in bodies:
        shape_ok = len(body) in (22, 26) and body[0] == "9" and body[1] in "12345"
        if shape_ok and cs.gs1_valid(body[:-1], body[-1]):
            reasons = ["checksum valid: gs1 mod 10", f"IMpb application id {body[:2]}"]
            if body is not code:
                reasons.append("420 ZIP routing prefix")
            return (Hit("usps", 0.85, tuple(reasons), US),)
    return ()


def _eval_usps20(code: str) -> tuple[Hit, ...]:
    if code.startswith("00"):  # SSCC with application identifier, not a USPS service type
        return ()
    if cs.gs1_valid(code[:19], code[19]):
        return (Hit("usps", 0.55, ("checksum valid: gs1 mod 10", "USPS 20 digits"), US),)
    # Legacy 20-digit numbers whose check digit is computed with an implied "91" prefix
    # ("9" weight 3 and "1" weight 1 add 28 to the GS1 sum).
    if cs.gs1_valid(code[:19], code[19], extra=28):
        reasons = ("checksum valid: gs1 mod 10 (implied 91)", "USPS legacy")
        return (Hit("usps", 0.55, reasons, US),)
    return ()


def _fedex_ok(start: int, weights: tuple[int, ...]) -> Callable[[str], bool]:
    end = start + len(weights)

    def check(code: str) -> bool:
        return cs.weighted_mod11_mod10(code[start:end], weights) == int(code[end])

    return check


def _gs1_tail(n: int) -> Callable[[str], bool]:
    """GS1 check over the last n data digits before the final check digit."""

    def check(code: str) -> bool:
        return cs.gs1_valid(code[-1 - n : -1], code[-1])

    return check


def _gs1_all(code: str) -> bool:
    return cs.gs1_valid(code[:-1], code[-1])


# --- Simple checksum helpers --------------------------------------------------------------------


def _ups_waybill_ok(code: str) -> bool:
    return cs.odds_doubled_check_digit(code[1:10]) == int(code[10])


def _ontrac_ok(prefix: str) -> Callable[[str], bool]:
    def check(code: str) -> bool:
        serial = code[1:14]
        if not serial.startswith(prefix):
            serial = prefix + serial
        return cs.odds_doubled_check_digit(serial) == int(code[14])

    return check


def _dhl_identcode_ok(code: str) -> bool:
    return cs.dhl_identcode_check_digit(code[:11]) == int(code[11])


def _gls_ok(code: str) -> bool:
    return cs.gls_check_digit(code[:11]) == int(code[11])


def _eval_mixed_alnum(code: str) -> tuple[Hit, ...]:
    """GLS 8-character track id: letters and digits mixed."""
    if code.isdigit() or code.isalpha():
        return ()
    return (Hit("gls", 0.3, ("GLS track id: 8 letters/digits", "format only (no checksum)")),)


# --- The table ----------------------------------------------------------------------------------


def _r(rid: str, lengths: range | tuple[int, ...], regex: str, evaluate: Evaluator) -> Rule:
    return Rule(rid, tuple(lengths), re.compile(regex), evaluate)


RULES: tuple[Rule, ...] = (
    # Postal
    _r("s10", (13,), r"[A-Z]{2}\d{9}[A-Z]{2}", _eval_s10),
    _r("postnl_3s", range(13, 16), r"3S[A-Z]{1,4}\d{7,12}",
       _simple((("postnl", 0.9),), ("prefix 3S (PostNL)",))),
    _r("colissimo", (13,), r"\d[A-Z]\d{11}",
       _simple((("colissimo", 0.6),), ("Colissimo domestic digit+letter+11 digits",))),
    _r("bpost_24", (24,), r"32\d{22}",
       _simple((("bpost", 0.55),), ("bpost 24 digits, prefix 32",))),
    _r("correos_pq", (23,), r"PQ[0-9A-Z]{21}",
       _simple((("correos", 0.7),), ("prefix PQ (Correos)",))),
    # UPS
    _r("ups_1z", (18,), r"1Z[0-9A-Z]{15}\d",
       _simple((("ups", 0.97),), ("prefix 1Z",), cs.ups_1z_valid, "ups mod 10", keep_bad=True)),
    _r("ups_waybill", (11,), r"[AHJKTV]\d{10}",
       _simple((("ups", 0.55),), ("UPS waybill letter + 10 digits",),
               _ups_waybill_ok, "ups mod 10")),
    # DHL
    _r("dhl_paket_20", (20,), r"00\d{18}", _eval_sscc20),
    _r("dhl_paket_12", (12,), r"\d{12}",
       _simple((("dhl_paket", 0.55),), ("DHL Paket 12 digits",), _dhl_identcode_ok, "weights 4/9")),
    _r("dhl_piece", range(12, 25), r"J(?:JD|VGL)\d{9,20}|J[A-Z]{2,3}\d{10,20}", _eval_dhl_piece),
    _r("dhl_express", (10, 11), r"\d{10,11}",
       _simple((("dhl_express", 0.5),), ("DHL Express air waybill",), cs.mod7_valid, "mod 7")),
    _r("dhl_ecommerce", range(12, 42), r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)[0-9A-Z]{10,39}",
       _eval_dhl_ecommerce),
    # DPD / GLS / Hermes
    _r("dpd_28", (28,), r"\d{27}[0-9A-Z]", _eval_dpd28),
    _r("dpd_15", (15,), r"\d{14}[0-9A-Z]", _eval_dpd15),
    _r("numeric_14", (14,), r"\d{14}",
       _simple((("dpd", 0.35), ("hermes", 0.35), ("dhl_ecommerce", 0.35)), ("14 digits",))),
    _r("gls_12", (12,), r"\d{12}",
       _simple((("gls", 0.55),), ("GLS 11 digits + check",), _gls_ok, "gls 11+1")),
    _r("gls_track_id", (8,), r"[0-9A-Z]{8}", _eval_mixed_alnum),
    # Amazon
    _r("amazon_tba", (15,), r"TB[ACM]\d{12}",
       _simple((("amazon_logistics", 0.9),), ("prefix TBA/TBC/TBM",))),
    _r("amazon_intl", (11,), r"[AFC]\d{10}",
       _simple((("amazon_logistics", 0.45),), ("Amazon international letter + 10 digits",))),
    # FedEx
    _r("fedex_12", (12,), r"\d{12}",
       _simple((("fedex", 0.55),), ("FedEx Express 12 digits",), _fedex_ok(0, cs.FEDEX_12_WEIGHTS),
               "fedex mod 11")),
    _r("fedex_ground_15", (15,), r"\d{15}",
       _simple((("fedex", 0.5),), ("FedEx Ground 15 digits",), _gs1_all, "gs1 mod 10",
               regions=NORTH_AMERICA)),
    _r("fedex_sscc_18", (18,), r"0[0124]\d{16}",
       _simple((("fedex", 0.55),), ("FedEx Ground SSCC-18",), _gs1_all, "gs1 mod 10",
               regions=NORTH_AMERICA)),
    _r("fedex_96_22", (22,), r"96\d{20}",
       _simple((("fedex", 0.85),), ("FedEx Ground prefix 96",), _gs1_tail(14), "gs1 mod 10",
               regions=NORTH_AMERICA)),
    _r("fedex_34", (34,), r"[0-8]\d{33}",
       _simple((("fedex", 0.75),), ("FedEx Express 34 digits",),
               _fedex_ok(20, cs.FEDEX_13_WEIGHTS), "fedex mod 11")),
    _r("fedex_gsn_34", (34,), r"96\d{32}",
       _simple((("fedex", 0.85),), ("FedEx Ground GSN prefix 96",),
               _fedex_ok(20, cs.FEDEX_13_WEIGHTS), "fedex mod 11")),
    _r("fedex_astra_32", (32,), r"3\d{31}",
       _simple((("fedex", 0.8),), ("FedEx ASTRA 32 digits",),
               _fedex_ok(16, cs.FEDEX_12_WEIGHTS), "fedex mod 11")),
    # USPS
    _r("usps_impb", (22, 26, 30, 34, 38), r"\d+", _eval_usps_impb),
    _r("usps_20", (20,), r"\d{20}", _eval_usps20),
    # North America regionals
    _r("canada_post_16", (16,), r"\d{16}",
       _simple((("canada_post", 0.55),), ("Canada Post 16 digits",), _gs1_all, "gs1 mod 10",
               regions=frozenset({"CA"}))),
    _r("canpar_22", (22,), r"[CDKLSUXZ]\d{21}",
       _simple((("canpar", 0.7),), ("Canpar letter + 21",))),
    _r("purolator_12", (12,), r"[0-5]\d{11}",
       _simple((("purolator", 0.55),), ("Purolator 12 digits",), cs.luhn_valid, "luhn")),
    _r("purolator_alpha", (12,), r"[A-Z]{3}\d{9}",
       _simple((("purolator", 0.5),), ("Purolator 3 letters + 9 digits",))),
    _r("ontrac_c", (15,), r"C\d{14}",
       _simple((("ontrac", 0.85),), ("prefix C (OnTrac)",), _ontrac_ok("4"), "ontrac mod 10")),
    _r("ontrac_d", (15,), r"D\d{14}",
       _simple((("ontrac", 0.85),), ("prefix D (OnTrac)",), _ontrac_ok("5"), "ontrac mod 10")),
    _r("old_dominion", (11,), r"(?:77[78]|072|780)\d{8}",
       _simple((("old_dominion", 0.7),), ("Old Dominion PRO number",), cs.luhn_valid, "luhn")),
    _r("old_dominion_80", (11,), r"80\d{9}",
       _simple((("old_dominion", 0.7),), ("Old Dominion guaranteed",), cs.luhn_valid, "luhn")),
    _r("lasership_lx", (10,), r"L[AIEHNX][1-3]\d{7}",
       _simple((("lasership", 0.8),), ("prefix L + letter (LaserShip)",))),
    _r("lasership_1ls7", (15,), r"1LS7[12]\d{10}",
       _simple((("lasership", 0.85),), ("prefix 1LS7",))),
    _r("lasership_1ls7_18", (17,), r"1LS7[12]\d{2}01[1-4]\d{6}1",
       _simple((("lasership", 0.85),), ("prefix 1LS7, suffix -1",))),
    _r("lasership_1lscx", (15,), r"1LSCX[0-9A-Z]{10}",
       _simple((("lasership", 0.85),), ("prefix 1LSCX",))),
    _r("gofo", (18,), r"GFUS\d{14}", _simple((("gofo", 0.9),), ("prefix GFUS",))),
    _r("speedee", (20,), r"SP\d{18}", _simple((("speedee", 0.85),), ("prefix SP + 18 digits",))),
    # Worldwide / UK
    _r("landmark", (13,), r"LTN\d{8}N1", _simple((("landmark", 0.9),), ("LTN...N1 (Landmark)",))),
    _r("yunexpress", (18,), r"YT\d{16}",
       _simple((("yunexpress", 0.85),), ("prefix YT + 16 digits",))),
    _r("yodel", (18, 19), r"J?JD\d{16}",
       _simple((("yodel", 0.75),), ("JD/JJD + 16 digits (Yodel)",))),
)  # fmt: skip


def _index(rules: tuple[Rule, ...]) -> dict[int, tuple[tuple[Callable, Evaluator], ...]]:
    """Length -> ((pattern.fullmatch, evaluate), ...): dispatch on length before any regex."""
    by_length: dict[int, list[tuple[Callable, Evaluator]]] = {}
    for rule in rules:
        for n in rule.lengths:
            by_length.setdefault(n, []).append((rule.pattern.fullmatch, rule.evaluate))
    return {n: tuple(rs) for n, rs in by_length.items()}


_DISPATCH = _index(RULES)


# Carriers that appear in at least one rule (others are only reachable by name/config).
CARRIERS_WITH_FORMATS: frozenset[str] = frozenset(
    {"dpd", "hermes", "dhl_ecommerce", "dhl_paket", "dhl_parcel", "dhl_express", "ups", "fedex",
     "usps", "postnl", "colissimo", "la_poste", "chronopost", "bpost", "correos", "gls",
     "amazon_logistics", "canada_post", "canpar", "purolator", "ontrac", "old_dominion",
     "lasership", "gofo", "speedee", "landmark", "yunexpress", "yodel", "parcelforce",
     *POSTAL_OPERATORS.values()}
)  # fmt: skip


def match(code: str) -> list[Hit]:
    """All context-free hits for a normalised code, in rule-table order."""
    rules = _DISPATCH.get(len(code))
    if rules is None:
        return []
    hits: list[Hit] = []
    for fullmatch, evaluate in rules:
        if fullmatch(code):
            hits.extend(evaluate(code))
    return hits
