"""WooCommerce prints every date as ``Y-m-d\\TH:i:s`` (``wc_rest_prepare_date_response``): whole
seconds, no zone suffix, site-local and ``*_gmt`` alike. The twin must do so for orders placed
at sub-second times, and the connector must refuse anything else instead of guessing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.woocommerce.mapping import gmt, shop_order, wc_date
from tests.woocommerce.helpers import make_order, shopper_order, signed

WC_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
ORDERS_MD = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "woocommerce" \
    / "orders.md"


def _dates(obj, where: str = "") -> dict[str, object]:
    """Every ``date_*`` field in a JSON document, by path."""
    found: dict[str, object] = {}
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.startswith("date_") and not isinstance(value, dict | list):
                found[f"{where}.{key}"] = value
            else:
                found.update(_dates(value, f"{where}.{key}"))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found.update(_dates(value, f"{where}[{i}]"))
    return found


def test_orders_placed_at_sub_second_times_print_whole_seconds(served, twin, clock, connector):
    product = twin.add_product("Tee", "TEE-1", "12.50", stock=5)
    twin.add_product("Cap", "SKU-0")
    twin.add_product("Bag", "SKU-1")
    clock.advance(0.75)  # the site's clock is between seconds
    placed = httpx.post(f"{served.url}/_sandbox/woocommerce/orders", json={
        **shopper_order([product["id"]]), "created_gmt": "2026-11-22T12:00:00.250000"})
    assert placed.status_code == 201
    hub_made = connector.create_order(make_order("A-1"))
    twin.set_status(placed.json()["id"], "completed")
    listed = httpx.get(f"{served.url}/wp-json/wc/v3/orders", auth=signed(twin)).json()
    notes = httpx.get(f"{served.url}/wp-json/wc/v3/orders/{placed.json()['id']}/notes",
                      auth=signed(twin)).json()
    products = httpx.get(f"{served.url}/wp-json/wc/v3/products", auth=signed(twin)).json()
    dates = _dates({"orders": listed, "notes": notes, "products": products})
    assert {o["id"] for o in listed} == {placed.json()["id"], int(hub_made)}
    assert ".orders[0].date_completed_gmt" in dates or ".orders[1].date_completed_gmt" in dates
    bad = {path: value for path, value in dates.items()
           if value is not None and not WC_DATE.fullmatch(str(value))}
    assert not bad
    created = next(o for o in listed if o["id"] == placed.json()["id"])
    assert created["date_created_gmt"] == "2026-11-22T12:00:00"
    assert created["date_created"] == "2026-11-22T13:00:00"  # the site is at UTC+1


@pytest.mark.parametrize("value", [
    "2026-11-22T12:00:00.250000",  # a fraction
    "2026-11-22T12:00:00.25",
    "2026-11-22T12:00:00Z",  # a zone suffix
    "2026-11-22T13:00:00+01:00",
    "2026-11-22 12:00:00",  # MySQL's format, not the REST API's
    "2026-11-22",
    "2026-02-30T12:00:00",  # no such day
])
def test_the_connector_refuses_dates_woocommerce_does_not_print(value):
    with pytest.raises(MappingError):
        wc_date(value)
    with pytest.raises(MappingError):
        gmt(value)


def test_the_connector_reads_woocommerce_dates():
    assert gmt("2026-11-22T12:00:05") == datetime(2026, 11, 22, 12, 0, 5, tzinfo=UTC)
    assert wc_date("2026-11-22T13:00:05") == datetime(2026, 11, 22, 13, 0, 5)
    assert gmt(None) is None and gmt("") is None


def test_the_documented_example_order_dates_parse():
    if not ORDERS_MD.exists():
        pytest.skip(f"WooCommerce reference not found at {ORDERS_MD} (shared specs absent)")
    stamps = re.findall(r'"(date_\w+)": "([^"]+)"', ORDERS_MD.read_text())
    assert len(stamps) > 10
    for _name, value in stamps:
        wc_date(value)


def test_an_order_with_a_fractional_date_is_quarantined_not_misread(connector, twin, clock):
    product = twin.add_product("Tee", "TEE-1", "12.50")
    start = clock.datetime()
    good = twin.place_order(shopper_order([product["id"]]))
    bad = twin.place_order(shopper_order([product["id"]]))
    twin.get(bad["id"])["date_created_gmt"] = "2026-11-22T12:00:00.5"
    with pytest.raises(MappingError):
        shop_order(twin.get(bad["id"]))
    [page] = list(connector.order_pages(created_since=start))
    assert [o.id for o in page.orders] == [str(good["id"])]
    assert [q.external_id for q in page.rejected] == [str(bad["id"])]
