"""The `ordersync carrier` command, called through its main()."""

from __future__ import annotations

import io
import json

from ordersync.carriers.cli import main


def test_single_code_prints_ranked_candidates():
    out = io.StringIO()
    rc = main(["1Z5R89390357567127", "--from", "NL", "--to", "BE"], io.StringIO(), out)
    data = json.loads(out.getvalue())
    assert rc == 0
    assert data["code"] == "1Z5R89390357567127"
    assert data["carrier"] == "ups" and data["confidence"] > 0.9
    assert data["candidates"][0]["reasons"]
    assert data["marketplaces"]["bolcom"] == {"code": "UPS", "name": None}
    assert set(data["marketplaces"]) == {"bolcom", "amazon", "ebay", "kaufland"}


def test_stdin_mode_prints_one_json_line_per_code():
    stdin = io.StringIO("3SBOL0987654321\n\nRB123456785NL\nnot a code\n")
    out = io.StringIO()
    rc = main(["-", "--from", "NL"], stdin, out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["carrier"] for x in lines] == ["postnl", "postnl", None]
    for rec in lines:
        assert {"code", "carrier", "confidence", "candidates", "marketplaces"} <= set(rec)
    assert lines[2]["marketplaces"]["amazon"] == {"code": "Other", "name": "Other"}
    assert rc == 1  # one code could not be read


def test_ambiguous_code_exit_status_and_named_option():
    out = io.StringIO()
    assert main(["05362012345678", "--from", "DE"], io.StringIO(), out) == 1
    out = io.StringIO()
    assert main(["05362012345678", "--from", "DE", "--named", "DPD"], io.StringIO(), out) == 0
    assert json.loads(out.getvalue())["carrier"] == "dpd"
