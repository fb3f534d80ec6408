"""Every test number in ../shared/specs/tracking-number-data against the detector."""

from __future__ import annotations

import pytest

from ordersync.carriers import LOW_CONFIDENCE, detect
from ordersync.carriers.carriers_table import carrier_regions

from .trackdata import DATA_DIR, SHARED_FORMATS, SKIP_REASON, cases

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=SKIP_REASON)

VALID = cases("valid")
INVALID = cases("invalid")
VALID_NUMBERS = {number for _, _, number, _ in VALID}


def _is_postal_s10(candidate) -> bool:
    return any(r == "checksum valid: s10" for r in candidate.reasons)


def test_data_is_present_and_loaded():
    assert len(VALID) > 150
    assert len(INVALID) > 50


@pytest.mark.parametrize(("courier", "fmt", "number", "expected"), VALID)
def test_valid_number_is_detected_as_its_courier(courier, fmt, number, expected):
    d = detect(number)
    assert d.candidates, f"{number!r} ({fmt}) not detected at all"
    top = d.candidates[0]
    if not expected:  # S10: any postal operator, via a valid S10 checksum
        assert _is_postal_s10(top), d.to_dict()
        return
    if top.carrier in expected:
        return
    # Otherwise it must be tied with the top, or lose only to carriers sharing its format.
    mine = [c for c in d.candidates if c.carrier in expected]
    assert mine, f"{number!r}: {expected} not among {d.to_dict()['candidates']}"
    shared = set().union(*(SHARED_FORMATS.get(e, frozenset()) for e in expected))
    tied = mine[0].confidence == top.confidence
    assert tied or top.carrier in shared, d.to_dict()
    assert d.ambiguous, "a tie must be reported as ambiguous"


REGIONAL = [case for case in VALID if case[3] and carrier_regions(sorted(case[3])[0]) is not None]


@pytest.mark.parametrize(("courier", "fmt", "number", "expected"), REGIONAL)
def test_valid_number_wins_with_home_country_context(courier, fmt, number, expected):
    """With the courier's own ship-from country a regional courier is the clear top."""
    regions = carrier_regions(sorted(expected)[0])
    d = detect(number, ship_from="US" if "US" in regions else sorted(regions)[0])
    assert d.carrier in expected, d.to_dict()


@pytest.mark.parametrize(("courier", "fmt", "number", "expected"), INVALID)
def test_invalid_number_is_rejected_or_low_confidence(courier, fmt, number, expected):
    if number in VALID_NUMBERS:
        pytest.skip("listed as invalid for one format but valid for another in the data")
    d = detect(number)
    accepted = [
        c
        for c in d.candidates
        if c.confidence >= LOW_CONFIDENCE
        and (c.carrier in expected or (not expected and _is_postal_s10(c)))
    ]
    assert not accepted, d.to_dict()
