"""Carrier detection: rule hits + context (countries, merchant configuration, webshop name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordersync.carriers.carriers_table import (
    CARRIERS,
    FAMILIES,
    carrier_name,
    family_member_for_country,
    resolve_carrier_name,
)
from ordersync.carriers.rules import CARRIERS_WITH_FORMATS, match

LOW_CONFIDENCE = 0.5  # below this a detection is never used as-is
MARGIN = 0.1  # the top candidate must lead the next carrier by at least this much

_REGION_BONUS = 0.05
_REGION_PENALTY = 0.3
_DEST_BONUS = 0.03
_DEST_PENALTY = 0.15
_CONFIGURED_BONUS = 0.2
_NAMED_FLOOR = 0.9

_STRIP = str.maketrans("", "", " \t\r\n-./_")
_REGIONS = {cid: info.regions for cid, info in CARRIERS.items()}


@dataclass(frozen=True)
class Candidate:
    carrier: str
    name: str
    confidence: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "carrier": self.carrier,
            "name": self.name,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Detection:
    code: str
    candidates: tuple[Candidate, ...]

    @property
    def carrier(self) -> str | None:
        return self.candidates[0].carrier if self.candidates else None

    @property
    def confidence(self) -> float:
        return self.candidates[0].confidence if self.candidates else 0.0

    @property
    def name(self) -> str | None:
        return self.candidates[0].name if self.candidates else None

    @property
    def ambiguous(self) -> bool:
        """True when there is no candidate, the top is weak, or a rival is (nearly) as strong."""
        if not self.candidates:
            return True
        top = self.candidates[0]
        if top.confidence < LOW_CONFIDENCE:
            return True
        return any(c.confidence > top.confidence - MARGIN for c in self.candidates[1:])

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "carrier": self.carrier,
            "name": self.name,
            "confidence": self.confidence,
            "ambiguous": self.ambiguous,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def normalise(code: str) -> str:
    """Upper-case and drop spaces, dashes, dots, slashes and underscores."""
    return code.upper() if code.isalnum() else code.translate(_STRIP).upper()


def _country(cc: str | None) -> str | None:
    if not cc:
        return None
    cc = cc.strip().upper()
    return "GB" if cc == "UK" else cc


def _in_family(carrier: str, wanted: str) -> bool:
    if carrier == wanted:
        return True
    family = FAMILIES.get(wanted)
    return family is not None and carrier in family


def detect(
    code: str,
    *,
    ship_from: str | None = None,
    ship_to: str | None = None,
    configured: Sequence[str] = (),
    named: str | None = None,
) -> Detection:
    """Rank every carrier whose tracking-number format fits `code`.

    ship_from / ship_to: ISO 3166-1 alpha-2. configured: the merchant's carriers (ids or
    names). named: the carrier name the webshop gave with the code (wins when it fits).
    """
    norm = code.upper() if code.isalnum() else code.translate(_STRIP).upper()
    hits = match(norm) if norm.isascii() and norm.isalnum() else ()
    if not hits and not configured and not named:
        return Detection(norm, ())
    origin = _country(ship_from)
    dest = _country(ship_to) if not origin else None
    best = _score(hits, origin, dest)

    flags: dict[str, tuple[bool, bool]] = {}
    if configured:
        _apply_configured(configured, best, flags)
    if named:
        named_id = resolve_carrier_name(named)
        if named_id:
            _apply_named(named_id, origin, best, flags)

    if len(best) == 1:
        ((carrier, (conf, reasons)),) = best.items()
        return Detection(norm, (_candidate(carrier, conf, reasons),))
    if flags:
        ranked = sorted(best.items(), key=lambda kv: _flag_key(flags, kv))
    else:
        ranked = sorted(best.items(), key=_by_confidence)
    return Detection(norm, tuple([_candidate(c, conf, reasons) for c, (conf, reasons) in ranked]))


Scored = dict[str, tuple[float, tuple[str, ...]]]


def _by_confidence(kv: tuple[str, tuple[float, tuple[str, ...]]]) -> float:
    return -kv[1][0]


def _flag_key(flags: dict[str, tuple[bool, bool]], kv: tuple) -> tuple[bool, bool, float]:
    named, configured = flags.get(kv[0], (False, False))
    return (not named, not configured, -kv[1][0])


def _score(hits, origin: str | None, dest: str | None) -> Scored:
    """Context-adjusted confidence per carrier (best hit wins)."""
    best: Scored = {}
    for carrier, conf, reasons, regions in hits:
        if regions is None:
            regions = _REGIONS.get(carrier)
        if regions is not None and conf > 0.2:
            if origin:
                if origin in regions:
                    conf += _REGION_BONUS
                    reasons = (*reasons, _reason("ships from ", origin))
                else:
                    conf -= _REGION_PENALTY
                    reasons = (*reasons, _reason("carrier does not ship from ", origin))
            elif dest:
                if dest in regions:
                    conf += _DEST_BONUS
                    reasons = (*reasons, _reason("destination ", dest))
                else:
                    conf -= _DEST_PENALTY
                    reasons = (*reasons, _reason("carrier not usual for destination ", dest))
        prev = best.get(carrier)
        if prev is None or conf > prev[0]:
            best[carrier] = (conf, reasons)
    return best


def _apply_configured(
    configured: Sequence[str], best: Scored, flags: dict[str, tuple[bool, bool]]
) -> None:
    """Boost configured carriers; ones without a known format become weak candidates."""
    config_ids = {c for c in (resolve_carrier_name(x) for x in configured) if c}
    for carrier, (conf, reasons) in list(best.items()):
        if conf > 0.2 and any(_in_family(carrier, c) for c in config_ids):
            best[carrier] = (conf + _CONFIGURED_BONUS, (*reasons, "merchant configured"))
            flags[carrier] = (False, True)
    for cid in config_ids:
        if cid not in CARRIERS_WITH_FORMATS and cid not in FAMILIES and cid not in best:
            best[cid] = (0.4, ("merchant configured", "carrier has no known code format"))
            flags[cid] = (False, True)


_REASONS: dict[tuple[str, str], str] = {}


def _reason(prefix: str, country: str) -> str:
    """Interned context reasons (keeps candidate cache keys cheap to hash)."""
    key = (prefix, country)
    text = _REASONS.get(key)
    if text is None:
        if len(_REASONS) > 10_000:
            _REASONS.clear()
        text = _REASONS[key] = prefix + country
    return text


_CANDIDATES: dict[tuple[str, float, tuple[str, ...]], Candidate] = {}


def _candidate(carrier: str, conf: float, reasons: tuple[str, ...]) -> Candidate:
    """Candidates are immutable and repeat a lot: build each distinct one once."""
    conf = round(min(max(conf, 0.01), 0.99), 3)
    key = (carrier, conf, reasons)
    cand = _CANDIDATES.get(key)
    if cand is None:
        if len(_CANDIDATES) > 50_000:
            _CANDIDATES.clear()
        cand = _CANDIDATES[key] = Candidate(carrier, carrier_name(carrier), conf, reasons)
    return cand


def _apply_named(
    named_id: str,
    origin: str | None,
    best: dict[str, tuple[float, tuple[str, ...]]],
    flags: dict[str, tuple[bool, bool]],
) -> None:
    """The webshop's carrier name wins; a code that contradicts it lowers its confidence."""
    matching = [c for c in best if _in_family(c, named_id) and best[c][0] > 0.2]
    if matching:
        carrier = max(matching, key=lambda c: best[c][0])
        conf, reasons = best[carrier]
        top = max(conf, _NAMED_FLOOR) + 0.05
        best[carrier] = (top, (*reasons, "named by webshop"))
        flags[carrier] = (True, flags.get(carrier, (False, False))[1])
        # The name is evidence against the rivals that share the format.
        for other, (oconf, oreasons) in list(best.items()):
            if other != carrier and oconf > top - MARGIN - 0.05:
                best[other] = (top - MARGIN - 0.05, (*oreasons, "webshop named another carrier"))
        return
    carrier = family_member_for_country(named_id, origin) if named_id in FAMILIES else named_id
    if carrier in CARRIERS_WITH_FORMATS and best:
        conf = 0.6
        reasons: tuple[str, ...] = (
            "named by webshop",
            "code does not match this carrier's known formats",
        )
    elif carrier in CARRIERS_WITH_FORMATS:
        conf, reasons = 0.7, ("named by webshop", "code matches no known format")
    else:
        conf, reasons = 0.9, ("named by webshop", "carrier has no known code format")
    if carrier not in CARRIERS and not carrier.startswith("post_"):
        conf = min(conf, 0.6)
    best[carrier] = (conf, reasons)
    flags[carrier] = (True, False)
