"""Independent generators of European tracking numbers with correct check digits.

Written from the published algorithms, deliberately not importing the package's checksum
module, so the tests compare two implementations.
"""

from __future__ import annotations

import random
import string

ALNUM36 = string.digits + string.ascii_uppercase


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def s10_check(serial: str) -> str:
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return str({10: 0, 11: 5}.get(check, check))


def gs1_check(data: str, plus: int = 0) -> str:
    total = plus
    for i, ch in enumerate(reversed(data)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def identcode_check(data: str) -> str:
    total = sum(int(d) * (4 if i % 2 == 0 else 9) for i, d in enumerate(data))
    return str((10 - total % 10) % 10)


def mod37_36_check(data: str) -> str:
    product = 36
    for ch in data:
        s = (product + ALNUM36.index(ch)) % 36 or 36
        product = (s * 2) % 37
    return ALNUM36[(37 - product) % 36]


def ups_check(serial: str) -> str:
    total = 0
    for i, ch in enumerate(serial):
        v = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += v * (2 if i % 2 else 1)
    return str((10 - total % 10) % 10)


def s10(rng: random.Random, country: str, service: str = "RR") -> str:
    serial = _digits(rng, 8)
    return f"{service}{serial}{s10_check(serial)}{country}"


def dpd14(rng: random.Random) -> str:
    body = "0" + _digits(rng, 13)
    return body + mod37_36_check(body)


def dpd28(rng: random.Random) -> str:
    body = _digits(rng, 7) + _digits(rng, 14) + rng.choice(["101", "136", "327"]) + "276"
    return body + mod37_36_check(body)


def dhl_paket12(rng: random.Random) -> str:
    body = _digits(rng, 11)
    return body + identcode_check(body)


def dhl_paket20(rng: random.Random) -> str:
    body = "00340434" + _digits(rng, 11)
    return body + gs1_check(body)


def gls12(rng: random.Random) -> str:
    body = _digits(rng, 11)
    return body + gs1_check(body, plus=1)


def ups1z(rng: random.Random) -> str:
    serial = "".join(rng.choice(ALNUM36) for _ in range(6)) + rng.choice(["01", "02", "03", "12"])
    serial += _digits(rng, 7)
    return "1Z" + serial + ups_check(serial)


def postnl3s(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(1, 4)))
    digits = _digits(rng, rng.randint(max(7, 11 - len(letters)), min(12, 13 - len(letters))))
    return "3S" + letters + digits


REFERENCE_CHECKS = {
    "s10": lambda c: s10_check(c[2:10]) == c[10],
    "dpd14": lambda c: mod37_36_check(c[:14]) == c[14],
    "dpd28": lambda c: mod37_36_check(c[:27]) == c[27],
    "dhl_paket12": lambda c: identcode_check(c[:11]) == c[11],
    "dhl_paket20": lambda c: gs1_check(c[:19]) == c[19],
    "gls12": lambda c: gs1_check(c[:11], plus=1) == c[11],
    "ups1z": lambda c: ups_check(c[2:17]) == c[17],
}


def near_misses(code: str, positions: range) -> list[str]:
    """Every code with one digit at `positions` replaced by another digit."""
    out = []
    for i in positions:
        if not code[i].isdigit():
            continue
        for d in string.digits:
            if d != code[i]:
                out.append(code[:i] + d + code[i + 1 :])
    return out
