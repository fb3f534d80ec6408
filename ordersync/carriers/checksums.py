"""Check-digit algorithms used by parcel and postal tracking numbers.

All functions take the *normalised* code (upper-case, no spaces) or a slice of it and
return True when the check character is correct. They never raise on odd input of the
right shape; callers match the shape with a regex first.
"""

from __future__ import annotations

from operator import mul

_DIGIT = {str(i): i for i in range(10)}
_ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE36 = {ch: i for i, ch in enumerate(_ALNUM36)}
# bytes.translate tables: ASCII digit -> its value; UPS additionally maps letters with
# (ord - 3) % 10 (A=2, B=3, ... I=0, J=1, ...); LUHN maps d -> digit sum of 2d.
_TO_VALUE = bytes((c - 48) if 48 <= c <= 57 else 0 for c in range(256))
_UPS_VALUE = bytes(
    (c - 48) if 48 <= c <= 57 else ((c - 3) % 10 if 65 <= c <= 90 else 0) for c in range(256)
)
_LUHN_DOUBLE = bytes(((2 * (c - 48)) % 9 or (9 if c == 57 else 0)) if 48 <= c <= 57 else 0
                     for c in range(256))  # fmt: skip

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _values(s: str) -> bytes:
    """Digit values of an all-digit string, as a bytes object (fast to sum and slice)."""
    return s.encode("ascii").translate(_TO_VALUE)


def gs1_check_digit(data: str, extra: int = 0) -> int:
    """GS1 / EAN / SSCC mod 10 (weights 3,1 from the right); `extra` is added to the sum."""
    v = _values(data)
    total = extra + 3 * sum(v[-1::-2]) + sum(v[-2::-2])
    return (10 - total % 10) % 10


def gs1_valid(data: str, check: str, extra: int = 0) -> bool:
    return gs1_check_digit(data, extra) == _DIGIT[check]


def s10_check_digit(serial8: str) -> int:
    """UPU S10: weights 8,6,4,2,3,5,9,7; 11 - (sum mod 11), with 10 -> 0 and 11 -> 5."""
    check = 11 - sum(map(mul, _values(serial8), S10_WEIGHTS)) % 11
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
    v = serial.encode("ascii").translate(_UPS_VALUE)
    total = sum(v[0::2]) + 2 * sum(v[1::2])
    return (10 - total % 10) % 10


def ups_1z_valid(code: str) -> bool:
    """`code` is the 18-character 1Z number."""
    return ups_check_digit(code[2:17]) == _DIGIT[code[17]]


def mod7_valid(code: str) -> bool:
    """DHL Express air waybill: serial mod 7 equals the last digit."""
    return int(code[:-1]) % 7 == _DIGIT[code[-1]]


def dhl_identcode_check_digit(data: str) -> int:
    """Deutsche Post / DHL Paket 12-digit: weights 4,9 alternating from the left, mod 10."""
    v = _values(data)
    total = 4 * sum(v[0::2]) + 9 * sum(v[1::2])
    return (10 - total % 10) % 10


def gls_check_digit(data: str) -> int:
    """GLS 11+1: GS1 weights 3,1 from the right, plus one, mod 10."""
    return gs1_check_digit(data, extra=1)


def _mod37_36_step() -> list[dict[str, int]]:
    table: list[dict[str, int]] = [{} for _ in range(37)]
    for cd in range(1, 37):
        for ch, val in _VALUE36.items():
            nxt = cd + val
            if nxt > 36:
                nxt -= 36
            nxt *= 2
            if nxt > 36:
                nxt -= 37
            table[cd][ch] = nxt
    return table


_MOD37_36_STEP = _mod37_36_step()


def mod37_36_check_char(data: str) -> str:
    """ISO 7064 Mod 37,36 hybrid, as used by DPD parcel numbers."""
    step = _MOD37_36_STEP
    cd = 36
    for ch in data:
        cd = step[cd][ch]
    cd = 37 - cd
    if cd == 36:
        cd = 0
    return _ALNUM36[cd]


def weighted_mod11_mod10(data: str, weights: tuple[int, ...]) -> int:
    """FedEx: sum of weighted digits mod 11 mod 10."""
    return sum(map(mul, _values(data), weights)) % 11 % 10


FEDEX_12_WEIGHTS = (3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)
FEDEX_13_WEIGHTS = (1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1)


def luhn_valid(number: str) -> bool:
    b = number.encode("ascii")
    total = sum(b[-1::-2].translate(_TO_VALUE)) + sum(b[-2::-2].translate(_LUHN_DOUBLE))
    return total % 10 == 0


def odds_doubled_check_digit(data: str) -> int:
    """mod 10 with every odd (0-based) position doubled, no digit sum (OnTrac, UPS)."""
    return ups_check_digit(data)
