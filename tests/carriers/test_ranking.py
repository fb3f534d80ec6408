"""Ranking, context and the known collisions."""

from __future__ import annotations

import random

from ordersync.carriers import detect, normalise, resolve_carrier_name

from . import generators as g


def test_normalise_strips_separators_and_upper_cases():
    assert normalise(" 3s-bol 0987.654321 ") == "3SBOL0987654321"
    assert detect("1z 5r8 939 0357 567 127").code == "1Z5R89390357567127"


def test_00340_from_germany_is_dhl_not_usps():
    code = g.dhl_paket20(random.Random(1))
    d = detect(code, ship_from="DE")
    assert d.carrier == "dhl_paket" and not d.ambiguous
    assert "usps" not in [c.carrier for c in d.candidates[:1]]


def test_usps_20_digit_from_germany_is_penalised():
    d_us = detect("03071790000523483741", ship_from="US")
    d_de = detect("03071790000523483741", ship_from="DE")
    assert d_us.carrier == "usps"
    assert d_de.confidence < d_us.confidence
    assert d_de.ambiguous


def test_14_digits_in_european_order_is_not_dhl_ecommerce_us():
    d = detect("60120172242323", ship_from="NL", ship_to="DE")
    assert d.carrier != "dhl_ecommerce"
    assert d.carrier == "dpd"
    ecom = [c for c in d.candidates if c.carrier == "dhl_ecommerce"]
    assert ecom and ecom[0].confidence < 0.2
    # Still only a shape match: never confident without configuration.
    assert d.ambiguous
    d_us = detect("60120172242323", ship_from="US")
    assert d_us.carrier == "dhl_ecommerce"


def test_14_digits_resolved_by_merchant_configuration():
    d = detect("05362012345678", ship_from="DE", configured=["Hermes"])
    assert d.carrier == "hermes" and not d.ambiguous
    assert "merchant configured" in d.candidates[0].reasons
    d2 = detect("05362012345678", ship_from="DE", configured=["dpd", "hermes"])
    assert d2.ambiguous  # both configured: still a coin toss, and it says so


def test_named_carrier_wins_over_format_and_config():
    d = detect("05362012345678", ship_from="DE", configured=["dpd"], named="Hermes")
    assert d.carrier == "hermes" and not d.ambiguous
    assert "named by webshop" in d.candidates[0].reasons


def test_named_carrier_contradicting_a_strong_format_is_flagged():
    d = detect("1Z5R89390357567127", named="PostNL")
    assert d.carrier == "postnl"
    assert d.ambiguous
    assert any(c.carrier == "ups" and c.confidence > 0.9 for c in d.candidates)


def test_generic_dhl_name_resolves_to_the_matching_member():
    assert detect("00340434161094015902", named="DHL").carrier in {"dhl_paket", None}
    code = g.dhl_paket20(random.Random(3))
    d = detect(code, named="DHL")
    assert d.carrier == "dhl_paket" and not d.ambiguous
    d2 = detect("3318810025", named="DHL")
    assert d2.carrier == "dhl_express"
    d3 = detect("XYZ", named="dhl", ship_from="NL")
    assert d3.carrier == "dhl_parcel"


def test_named_carrier_without_format_is_accepted():
    d = detect("ABC123XYZ7", named="Trunkrs")
    assert d.carrier == "trunkrs" and d.confidence >= 0.85


def test_configured_carrier_without_known_format_is_a_weak_candidate():
    d = detect("BB123", configured=["budbee"])
    assert d.carrier == "budbee" and d.ambiguous


def test_unknown_code_has_no_candidates():
    d = detect("hello world")
    assert d.carrier is None and d.confidence == 0.0 and d.ambiguous
    assert detect("").candidates == ()
    assert detect("!!!").candidates == ()


def test_checksum_valid_prefix_beats_regex_only():
    d = detect("RB123456785GB")
    assert d.carrier == "royal_mail" and d.confidence >= 0.9
    assert "checksum valid: s10" in d.candidates[0].reasons


def test_s10_france_parcels_are_colissimo_ems_is_chronopost():
    rng = random.Random(5)
    assert detect(g.s10(rng, "FR", "CP")).carrier == "colissimo"
    assert detect(g.s10(rng, "FR", "EE")).carrier == "chronopost"
    assert detect(g.s10(rng, "FR", "RR")).carrier == "la_poste"


def test_s10_unknown_country_is_rejected_and_bad_check_is_low():
    assert detect("RB123456785XX").candidates == ()
    d = detect("RB123456786NL")
    assert d.carrier == "postnl" and d.confidence < 0.5
    assert "checksum INVALID: s10" in d.candidates[0].reasons


def test_jjd_licence_plate_is_ambiguous_without_context_and_resolved_with_it():
    d = detect("JJD0002257639032011")
    assert d.ambiguous
    assert detect("JJD0002257639032011", ship_from="GB").carrier == "yodel"
    assert detect("JJD0002257639032011", ship_from="DE").carrier == "dhl_paket"


def test_ship_to_only_context():
    d = detect("60120172242323", ship_to="US")
    assert d.carrier == "dhl_ecommerce"


def test_alias_table():
    assert resolve_carrier_name("DHL Parcel NL") == "dhl_parcel"
    assert resolve_carrier_name("DHL Paket International") == "dhl_paket"
    assert resolve_carrier_name("PostNL Standaard") == "postnl"
    assert resolve_carrier_name("dhl") == "dhl"
    assert resolve_carrier_name("DHL Express") == "dhl_express"
    assert resolve_carrier_name("ups") == "ups"
    assert resolve_carrier_name("Österreichische Post") == "austrian_post"
    assert resolve_carrier_name("Brieftaube") is None
    assert resolve_carrier_name(None) is None


def test_to_dict_is_json_ready():
    import json

    d = detect("3SBOL0987654321", ship_from="NL")
    out = json.loads(json.dumps(d.to_dict()))
    assert out["carrier"] == "postnl"
    assert out["candidates"][0]["reasons"]
