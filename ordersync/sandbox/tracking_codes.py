"""Valid track & trace codes for demo traffic (check digits computed, not hard-coded)."""

from __future__ import annotations

import random
import string

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10(country: str = "NL", service: str = "RR", rng: random.Random | None = None) -> str:
    """A UPU S10 item id, e.g. RR123456785NL (country suffix = postal operator)."""
    rng = rng or random.Random()
    serial = f"{rng.randrange(10**8):08d}"
    total = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{service}{serial}{check}{country}"


def postnl_3s(rng: random.Random | None = None) -> str:
    """A PostNL domestic barcode: 3S + 4 letters (customer code) + 9 digits."""
    rng = rng or random.Random()
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
    return f"3S{letters}{rng.randrange(10**9):09d}"


def ups_1z(rng: random.Random | None = None) -> str:
    """A UPS 1Z number with its mod-10 check digit."""
    rng = rng or random.Random()
    alphabet = string.ascii_uppercase + string.digits
    body = "".join(rng.choice(alphabet) for _ in range(6)) + "01" + f"{rng.randrange(10**7):07d}"
    total = 0
    for i, ch in enumerate(body):
        value = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += value * 2 if i % 2 else value
    return f"1Z{body}{(10 - total % 10) % 10}"


GENERATORS = {
    "postnl": postnl_3s,
    "postnl_s10": lambda rng=None: s10("NL", "RR", rng),
    "deutsche_post": lambda rng=None: s10("DE", "RR", rng),
    "ups": ups_1z,
}
