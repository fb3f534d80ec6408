"""Detections per second on a realistic European mix (one core, all codes distinct).

Run: .venv/bin/python benchmarks/carrier_detection.py [N]
The last line is JSON: {"detections_per_second": ..., "codes": ...}.
"""

from __future__ import annotations

import json
import random
import string
import sys
import time

from ordersync.carriers import detect
from ordersync.carriers.checksums import (
    dhl_identcode_check_digit,
    gls_check_digit,
    gs1_check_digit,
    mod37_36_check_char,
    s10_check_digit,
    ups_check_digit,
)


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _mix(rng: random.Random) -> tuple[str, str | None]:
    """One tracking code and a ship-from country, weighted like a Benelux/DE merchant."""
    kind = rng.random()
    if kind < 0.25:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 4)))
        return "3S" + letters + _d(rng, 13 - len(letters)), "NL"
    if kind < 0.40:
        body = "00340434" + _d(rng, 11)
        return body + str(gs1_check_digit(body)), "DE"
    if kind < 0.50:
        body = _d(rng, 11)
        return body + str(dhl_identcode_check_digit(body)), "DE"
    if kind < 0.62:
        body = "0" + _d(rng, 13)
        return body + mod37_36_check_char(body), "NL"
    if kind < 0.70:
        return "0" + _d(rng, 13), "BE"
    if kind < 0.77:
        body = _d(rng, 11)
        return body + str(gls_check_digit(body)), "DE"
    if kind < 0.85:
        serial = _d(rng, 6) + "03" + _d(rng, 7)
        return "1Z" + serial + str(ups_check_digit(serial)), None
    if kind < 0.93:
        serial = _d(rng, 8)
        cc = rng.choice(["NL", "DE", "BE", "FR", "GB", "ES", "CN"])
        return f"RR{serial}{s10_check_digit(serial)}{cc}", cc
    if kind < 0.97:
        return "TBA" + _d(rng, 12), None
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(10)), None


def main(n: int = 200_000) -> dict:
    rng = random.Random(42)
    work = [_mix(rng) for _ in range(n)]
    detected = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for code, origin in work:
        if detect(code, ship_from=origin).candidates:
            detected += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # CPU time of this one thread: immune to other load
    result = {
        "detections_per_second": round(n / cpu),
        "wall_detections_per_second": round(n / elapsed),
        "codes": n,
        "cpu_seconds": round(cpu, 3),
        "with_candidates": detected,
        "distinct_codes": len({c for c, _ in work}),
    }
    print(f"{n} detections: {cpu:.2f}s CPU on one core, {elapsed:.2f}s wall")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
