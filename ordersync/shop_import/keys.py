"""Normalised keys: how contacts and products are recognised again. Pure functions."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def phone_key(phone: str | None, calling_code: str | None = None) -> str | None:
    """Digits only, international form (``+31 6-1234 5678``, ``0031612345678`` and, with
    ``calling_code="31"``, ``06 12345678`` are all ``+31612345678``); None when too short to
    tell people apart."""
    if not phone:
        return None
    text = phone.strip()
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif calling_code and digits.startswith("0"):
        digits = calling_code + digits[1:]
    if len(digits) < 6:
        return None
    return "+" + digits


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
