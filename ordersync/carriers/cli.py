"""`ordersync carrier CODE [--from CC] [--to CC]` and `ordersync carrier -` (one code a line)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from ordersync.carriers.detect import detect
from ordersync.carriers.marketplace_codes import marketplace_codes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ordersync carrier",
        description="Show the ranked carrier candidates for a track & trace code.",
    )
    p.add_argument("code", help="tracking code, or - to read one code per line from stdin")
    p.add_argument("--from", dest="ship_from", metavar="CC", help="ship-from country (ISO 2)")
    p.add_argument("--to", dest="ship_to", metavar="CC", help="destination country (ISO 2)")
    p.add_argument(
        "--configured",
        action="append",
        default=[],
        metavar="CARRIER",
        help="a carrier the merchant has configured (repeatable)",
    )
    p.add_argument("--named", metavar="NAME", help="carrier name the webshop gave")
    return p


def _record(code: str, args: argparse.Namespace) -> dict:
    d = detect(
        code,
        ship_from=args.ship_from,
        ship_to=args.ship_to,
        configured=args.configured,
        named=args.named,
    )
    out = d.to_dict()
    out["input"] = code
    out["marketplaces"] = {
        mp: {"code": mc.code, "name": mc.name}
        for mp, mc in marketplace_codes(d, ship_to=args.ship_to).items()
    }
    return out


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Entry point; returns 0 when every code has a non-ambiguous carrier, else 1."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    args = _parser().parse_args(list(argv) if argv is not None else None)
    if args.code == "-":
        status = 0
        for line in stdin:
            code = line.strip()
            if not code:
                continue
            rec = _record(code, args)
            status |= 1 if rec["ambiguous"] else 0
            stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return status
    rec = _record(args.code, args)
    stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
    return 1 if rec["ambiguous"] else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
