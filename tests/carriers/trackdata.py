"""Helpers shared by the carrier tests: the shared tracking-number data and its mapping."""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "tracking-number-data"
SKIP_REASON = f"tracking-number data not found at {DATA_DIR} (../shared is absent)"

# Data format id (or courier_code when a format has no id) -> accepted canonical carrier ids.
EXPECTED: dict[str, frozenset[str]] = {
    "amazon_logistics": frozenset({"amazon_logistics"}),
    "amazon_international": frozenset({"amazon_logistics"}),
    "canada_post": frozenset({"canada_post"}),
    "canpar_22": frozenset({"canpar"}),
    "dhl_express": frozenset({"dhl_express"}),
    "dhl_express_piece_id": frozenset({"dhl_express", "dhl_paket", "dhl_parcel"}),
    "dhl_ecommerce": frozenset({"dhl_ecommerce"}),
    "dhl_ecommerce_14": frozenset({"dhl_ecommerce"}),
    "dpd": frozenset({"dpd"}),
    "dpd_14": frozenset({"dpd"}),
    "fedex": frozenset({"fedex"}),
    "gofo": frozenset({"gofo"}),
    "landmark": frozenset({"landmark"}),
    "lasership": frozenset({"lasership"}),
    "old_dominion": frozenset({"old_dominion"}),
    "ontrac": frozenset({"ontrac"}),
    "purolator": frozenset({"purolator"}),
    "speedee": frozenset({"speedee"}),
    "ups": frozenset({"ups"}),
    "usps": frozenset({"usps"}),
    "yodel": frozenset({"yodel"}),
    "yunexpress": frozenset({"yunexpress"}),
    "s10": frozenset(),  # any postal operator: checked through the "s10" reason instead
}

# Formats that are shared by design: an all-digit shape with no or a weak checksum.
# A valid number may tie with (or rank just below) these carriers.
SHARED_FORMATS: dict[str, frozenset[str]] = {
    "dhl_ecommerce": frozenset({"dpd", "hermes"}),  # 14 digits, no checksum
    "dpd": frozenset({"hermes", "dhl_ecommerce", "fedex"}),
    "yodel": frozenset({"dhl_express", "dhl_paket"}),  # JJD licence plates
    "dhl_express": frozenset({"yodel"}),
}


def load_couriers() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(DATA_DIR.glob("*.json"))]


def expected_for(courier: dict, fmt: dict) -> frozenset[str]:
    fid = fmt.get("id")
    if fid in EXPECTED:
        return EXPECTED[fid]
    return EXPECTED[courier["courier_code"]]


def cases(kind: str) -> list[tuple[str, str, str, frozenset[str]]]:
    """(courier file, format id, number, expected carriers) for kind 'valid'/'invalid'."""
    out = []
    if not DATA_DIR.is_dir():
        return out
    for courier in load_couriers():
        for fmt in courier["tracking_numbers"]:
            fid = fmt.get("id") or fmt["name"]
            for number in fmt.get("test_numbers", {}).get(kind, []):
                out.append((courier["courier_code"], fid, number, expected_for(courier, fmt)))
    return out
