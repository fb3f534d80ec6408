"""The twin's orders carry the fields, enums and types of the WooCommerce REST v3 reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.woocommerce.helpers import shopper_order

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
ORDERS_MD = SPECS / "woocommerce" / "orders.md"


def _table(text: str, heading: str) -> dict[str, str]:
    """``attribute -> type`` of the markdown table under ``heading``."""
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\|\s*`(\w+)`\s*\|\s*([\w-]+)\s*\|", section, flags=re.M))


@pytest.fixture(scope="module")
def spec() -> str:
    if not ORDERS_MD.exists():
        pytest.skip(f"WooCommerce reference not found at {ORDERS_MD} (shared specs absent)")
    return ORDERS_MD.read_text()


TYPES = {"integer": int, "string": str, "boolean": bool, "array": list, "object": dict}
WRITE_ONLY = {"set_paid"}


def _check(obj: dict, table: dict[str, str], where: str) -> None:
    for name, kind in table.items():
        if name in WRITE_ONLY:
            continue
        assert name in obj, f"{where}: missing {name}"
        value = obj[name]
        if kind == "date-time":
            assert value is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", value), name
        elif kind in TYPES and value is not None and not (name == "price" and kind == "string"):
            assert isinstance(value, TYPES[kind]), f"{where}.{name}: {value!r} is not {kind}"


def test_order_fields_and_types(spec, twin):
    product = twin.add_product("Tee", "TEE-1", "12.50")
    order = twin.place_order(shopper_order([product["id"]], meta_data=[{"key": "k",
                                                                         "value": "v"}]))
    _check(order, _table(spec, "## Order properties ##"), "order")
    _check(order["billing"], _table(spec, "### Order - Billing properties ###"), "billing")
    _check(order["shipping"], _table(spec, "### Order - Shipping properties ###"), "shipping")
    _check(order["line_items"][0], _table(spec, "### Order - Line items properties ###"), "line")
    _check(order["shipping_lines"][0],
           _table(spec, "### Order - Shipping lines properties ###"), "shipping line")
    _check(order["meta_data"][0], _table(spec, "### Order - Meta data properties ###"), "meta")
    for money in ("total", "shipping_total", "discount_total", "total_tax"):
        assert re.fullmatch(r"\d+\.\d\d", order[money]), money


def test_status_enum_matches(spec, twin):
    line = next(x for x in spec.splitlines() if x.startswith("| `status`"))
    documented = set(re.findall(r"`([a-z-]+)`", line.split("|")[3]))
    from ordersync.sandbox.woocommerce.store import STATUSES

    assert documented <= set(STATUSES)
