"""Print detection coverage per courier file of the shared tracking-number data.

Run: .venv/bin/python -m tests.carriers.coverage_report
"valid ok" = top candidate is the courier, or tied with it; "invalid ok" = rejected or
below LOW_CONFIDENCE for that courier.
"""

from __future__ import annotations

from collections import defaultdict

from ordersync.carriers import LOW_CONFIDENCE, detect

from .trackdata import DATA_DIR, cases


def _valid_ok(number: str, expected: frozenset[str]) -> bool:
    d = detect(number)
    if not d.candidates:
        return False
    top = d.candidates[0]
    if not expected:
        return "checksum valid: s10" in top.reasons
    mine = [c for c in d.candidates if c.carrier in expected]
    return bool(mine) and mine[0].confidence == top.confidence


def _invalid_ok(number: str, expected: frozenset[str], valid_numbers: set[str]) -> bool:
    if number in valid_numbers:
        return True
    for c in detect(number).candidates:
        same = c.carrier in expected if expected else "checksum valid: s10" in c.reasons
        if same and c.confidence >= LOW_CONFIDENCE:
            return False
    return True


def main() -> None:
    valid, invalid = cases("valid"), cases("invalid")
    valid_numbers = {n for _, _, n, _ in valid}
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for courier, _, number, expected in valid:
        stats[courier][0] += _valid_ok(number, expected)
        stats[courier][1] += 1
    for courier, _, number, expected in invalid:
        stats[courier][2] += _invalid_ok(number, expected, valid_numbers)
        stats[courier][3] += 1
    print(f"data: {DATA_DIR}")
    print(f"{'courier':14s} {'valid ok':>10s} {'invalid ok':>11s}")
    for courier, (vo, vt, io, it) in sorted(stats.items()):
        print(f"{courier:14s} {vo:>5d}/{vt:<4d} {io:>6d}/{it:<4d}")
    tot = [sum(s[i] for s in stats.values()) for i in range(4)]
    print(f"{'TOTAL':14s} {tot[0]:>5d}/{tot[1]:<4d} {tot[2]:>6d}/{tot[3]:<4d}")


if __name__ == "__main__":
    main()
