"""Normalised keys: how contacts and products are recognised again. Pure functions."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

_NOT_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def default_region(country: str | None) -> str | None:
    """The region numbers written without a country code belong to: an ISO country (``NL``)
    as is, a calling code (``31``, ``+32``) as its main country; None when unknown."""
    code = (country or "").strip().lstrip("+").upper()
    if code.isalpha() and len(code) == 2:
        return code if code in phonenumbers.SUPPORTED_REGIONS else None
    if code.isdigit():
        region = phonenumbers.region_code_for_country_code(int(code))
        return None if region == phonenumbers.UNKNOWN_REGION else region
    return None


@lru_cache(maxsize=65_536)
def phone_key(phone: str | None, country: str | None = None) -> str | None:
    """The number in E.164, parsed by ``phonenumbers`` with the shop's country (ISO code or
    calling code) as default region: ``+31 6-1234 5678``, ``0031612345678`` and, for NL/31,
    ``06 12345678`` are all ``+31612345678``. A national number without a known region keeps
    its digits as written (no ``+``: it is matched only as written, never guessed into a
    country). None for what is no possible phone number."""
    if not phone or not phone.strip():
        return None
    text = phone.strip()
    if text.startswith("00"):  # the international prefix of most of Europe, from any region
        text = "+" + text[2:]
    region = default_region(country)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type != phonenumbers.NumberParseException.INVALID_COUNTRY_CODE \
                or text.startswith("+"):
            return None
        digits = _NOT_DIGITS.sub("", text)
        return digits if 6 <= len(digits) <= 17 else None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(email: str | None) -> str | None:
    """Trimmed and lower-cased; None unless it looks like an address."""
    if not email:
        return None
    text = email.strip().lower()
    local, at, domain = text.partition("@")
    return text if at and local and "." in domain else None


def name_key(name: str | None) -> str:
    return _SPACES.sub(" ", (name or "").strip()).casefold()


def product_key(
    identify_by: str,
    *,
    source: str,
    product_id: str | None,
    sku: str | None,
    name: str,
) -> str:
    """The catalog key a line is matched by. A line without the chosen field falls back to
    the next one that identifies it (SKU, then the shop's product id, then the name)."""
    order = {"sku": ("sku", "id", "name"), "id": ("id", "sku", "name"),
             "name": ("name",)}[identify_by]
    for kind in order:
        key = key_of(kind, source=source, product_id=product_id, sku=sku, name=name)
        if key is not None:
            return key
    return key_of("name", source=source, product_id=None, sku=None, name=name) or "name:"


def key_of(
    kind: str, *, source: str, product_id: str | None, sku: str | None, name: str
) -> str | None:
    """One kind of key: ``sku:...`` and ``name:...`` are hub-wide, ``id:...`` is scoped to the
    shop (``source`` = platform:account), as product ids mean nothing outside it."""
    if kind == "sku":
        return f"sku:{sku.strip()}" if sku and sku.strip() else None
    if kind == "id":
        return f"id:{source}:{product_id}" if product_id else None
    return f"name:{name_key(name)}"


def all_keys(*, source: str, product_id: str | None, sku: str | None, name: str) -> list[str]:
    """Every key a product can later be found by."""
    keys = [key_of(k, source=source, product_id=product_id, sku=sku, name=name)
            for k in ("sku", "id", "name")]
    return [k for k in keys if k]


def category_keys(path: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """(key, name, parent key) of every level of a category path, top first."""
    out: list[tuple[str, str, str | None]] = []
    parent: str | None = None
    for name in path:
        clean = _SPACES.sub(" ", name.strip())
        if not clean:
            continue
        key = (f"{parent}/" if parent else "") + clean.casefold().replace("/", "\\/")
        out.append((key, clean, parent))
        parent = key
    return out
