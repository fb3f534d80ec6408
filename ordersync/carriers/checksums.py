"""Check-digit algorithms used by parcel and postal tracking numbers.

All functions take the *normalised* code (upper-case, no spaces) or a slice of it and
return True when the check character is correct. They never raise on odd input of the
right shape; callers match the shape with a regex first.
"""

from __future__ import annotations

from functools import lru_cache
from operator import mul

_DIGIT = {str(i): i for i in range(10)}
# UPS maps letters onto digits with (ord - 3) % 10 (A=2, B=3, ... I=0, J=1, ...).
_UPS_VALUE = {**_DIGIT, **{chr(c): (c - 3) % 10 for c in range(65, 91)}}
_ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE36 = {ch: i for i, ch in enumerate(_ALNUM36)}

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _digits(s: str) -> list[int]:
    return [_DIGIT[c] for c in s]


@lru_cache(maxsize=64)
def _gs1_weights(n: int) -> tuple[int, ...]:
    """GS1 weights for n data digits: 3 on the rightmost, alternating 3/1 to the left."""
    return tuple(3 if (n - 1 - i) % 2 == 0 else 1 for i in range(n))


@lru_cache(maxsize=64)
def _alternating(n: int, first: int, second: int) -> tuple[int, ...]:
    return tuple(first if i % 2 == 0 else second for i in range(n))


def gs1_check_digit(data: str, extra: int = 0) -> int:
    """GS1 / EAN / SSCC mod 10 (weights 3,1 from the right); `extra` is added to the sum."""
    total = extra + sum(map(mul, _digits(data), _gs1_weights(len(data))))
    return (10 - total % 10) % 10


def gs1_valid(data: str, check: str, extra: int = 0) -> bool:
    return gs1_check_digit(data, extra) == _DIGIT[check]


def s10_check_digit(serial8: str) -> int:
    """UPU S10: weights 8,6,4,2,3,5,9,7; 11 - (sum mod 11), with 10 -> 0 and 11 -> 5."""
    check = 11 - sum(map(mul, _digits(serial8), S10_WEIGHTS)) % 11
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def s10_valid(code: str) -> bool:
    """`code` is the full 13-character S10 identifier (AA123456785NL)."""
    return s10_check_digit(code[2:10]) == _DIGIT[code[10]]


def ups_check_digit(serial: str) -> int:
    """UPS 1Z / waybill: letters mapped to digits, odd positions doubled, mod 10."""
    total = 0
    for i, ch in enumerate(serial):
        v = _UPS_VALUE[ch]
        total += v * 2 if i % 2 else v
    return (10 - total % 10) % 10


def ups_1z_valid(code: str) -> bool:
    """`code` is the 18-character 1Z number."""
    return ups_check_digit(code[2:17]) == _DIGIT[code[17]]


def mod7_valid(code: str) -> bool:
    """DHL Express air waybill: serial mod 7 equals the last digit."""
    return int(code[:-1]) % 7 == _DIGIT[code[-1]]


def dhl_identcode_check_digit(data: str) -> int:
    """Deutsche Post / DHL Paket 12-digit: weights 4,9 alternating from the left, mod 10."""
    total = sum(map(mul, _digits(data), _alternating(len(data), 4, 9)))
    return (10 - total % 10) % 10


def gls_check_digit(data: str) -> int:
    """GLS 11+1: GS1 weights 3,1 from the right, plus one, mod 10."""
    return gs1_check_digit(data, extra=1)


def mod37_36_check_char(data: str) -> str:
    """ISO 7064 Mod 37,36 hybrid, as used by DPD parcel numbers."""
    cd = 36
    for ch in data:
        cd += _VALUE36[ch]
        if cd > 36:
            cd -= 36
        cd *= 2
        if cd > 36:
            cd -= 37
    cd = 37 - cd
    if cd == 36:
        cd = 0
    return _ALNUM36[cd]


def weighted_mod11_mod10(data: str, weights: tuple[int, ...]) -> int:
    """FedEx: sum of weighted digits mod 11 mod 10."""
    return sum(map(mul, _digits(data), weights)) % 11 % 10


FEDEX_12_WEIGHTS = (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)
FEDEX_13_WEIGHTS = (1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = _DIGIT[ch]
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def odds_doubled_check_digit(data: str) -> int:
    """mod 10 with every odd (0-based) position doubled, no digit sum (OnTrac, UPS)."""
    return ups_check_digit(data)
