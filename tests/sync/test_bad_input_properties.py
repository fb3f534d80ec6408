"""Property-based chaos (issue 10): generated marketplace orders, in the shapes of bol.com's
``Order`` (retailer.json) and Amazon's ``Order``/``OrderItem`` (Orders v0), with extreme
values (lengths, magnitudes, dates, unicode, NUL, duplicates, missing fields) planted in the
served twins next to good orders, run through the import step over real HTTP into SQLite and
PostgreSQL. No cycle may crash, every bad order is quarantined with a reason, every good order
on the same page is imported. The same for webshop tracking values through detect.

Fast variants run in the normal suite (few, derandomized examples); the ``slow`` ones try many
more. Run with ``-s`` to see the figures (bad inputs tried, quarantined, imported, crashes).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ordersync import order_loop as sync
from ordersync.orders import OrderStatus
from ordersync.orders import limits as L
from ordersync.sandbox.stack import SandboxStack
from ordersync.store import Store
from tests.databases import empty_every_table

S = OrderStatus
# No shrinking: each example is real HTTP and database work, shrinking one would take minutes;
# the falsifying page is printed as found.
FAST = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(FAST, max_examples=80)
TALLY: Counter[str] = Counter()
_ids = itertools.count(1)

# -- value strategies ---------------------------------------------------------------------

# Storable text: any character the store accepts (no C0/C1 controls, no lone surrogates).
storable = st.characters(blacklist_categories=("Cc", "Cs"))
word = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=40)
controls = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x00\x00"])


def with_bad_char(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A control character inside the text (at an end, ``strip()`` would rightly drop
    whitespace controls such as U+0085)."""
    return st.tuples(base.map(lambda w: f"a{w}z"), controls, st.integers(0, 40)).map(
        lambda t: t[0][: 1 + t[2] % (len(t[0]) - 1)] + t[1] + t[0][1 + t[2] % (len(t[0]) - 1):])


def longer_than(limit: int, alphabet: str = "0123456789") -> st.SearchStrategy[str]:
    return st.integers(limit + 1, limit * 3).map(lambda n: (alphabet * n)[:n])


odd_unicode = st.text(storable, min_size=1, max_size=200)  # emoji, RTL, combining, U+FFFF
ancient = st.datetimes(datetime(1, 1, 1), datetime(1999, 12, 31))
far_future = st.datetimes(datetime(2100, 1, 2), datetime(9999, 12, 31))
offsets = st.sampled_from(["+01:00", "-05:00", "+14:00", "-12:00", "Z", ""])


def moment(dt: st.SearchStrategy[datetime]) -> st.SearchStrategy[str]:
    return st.tuples(dt, offsets).map(lambda t: t[0].isoformat() + t[1])


# -- bol.com Order (retailer.json) --------------------------------------------------------

def bol_item(item_id: str, title: str, price: float, quantity: int) -> dict:
    return {
        "orderItemId": item_id, "cancellationRequest": False,
        "fulfilment": {"method": "FBR", "distributionParty": "RETAILER",
                       "latestDeliveryDate": "2026-01-03", "timeFrameType": "REGULAR"},
        "offer": {"offerId": f"offer-{item_id}", "reference": f"REF-{item_id}"},
        "product": {"ean": "8712345678906", "title": title},
        "quantity": quantity, "quantityShipped": 0, "quantityCancelled": 0,
        "unitPrice": price, "totalPrice": price * quantity, "commission": 1.0,
        "latestChangedDateTime": "2026-01-01T10:00:00+01:00",
    }


def bol_address(city: str, name: str) -> dict:
    return {"salutation": "MALE", "firstName": name, "surname": name, "streetName": "Kerkstraat",
            "houseNumber": "12", "zipCode": "3511 AB", "city": city, "countryCode": "NL",
            "email": "buyer@example.invalid"}


@st.composite
def good_bol_order(draw, order_id: str) -> dict:
    n = draw(st.integers(1, 3))
    title = st.one_of(odd_unicode, st.just("x" * L.MAX_TITLE))
    items = [bol_item(f"{order_id[-20:]}-{i}", draw(title),
                      draw(st.sampled_from([0.0, 0.01, 12.5, 99999.99])),
                      draw(st.sampled_from([1, 2, 1000])))
             for i in range(n)]
    placed = draw(st.sampled_from(["2026-01-01T10:00:00+01:00", "2000-01-01T00:00:00Z",
                                   "2099-12-31T22:00:00-01:00"]))
    return {"orderId": order_id, "pickupPoint": False, "orderPlacedDateTime": placed,
            "shipmentDetails": bol_address(draw(word), draw(word)),
            "billingDetails": bol_address(draw(word), draw(word)), "orderItems": items}


def _item(key, value):
    def apply(order):
        order["orderItems"][0][key] = value
    return apply


def _nested(part, key, value):
    def apply(order):
        order["orderItems"][0][part][key] = value
    return apply


def _order(key, value):
    def apply(order):
        order[key] = value
    return apply


def _drop(key):
    def apply(order):
        order.pop(key, None)
    return apply


def _drop_item(key):
    def apply(order):
        order["orderItems"][0].pop(key, None)
    return apply


def _duplicate(order):
    order["orderItems"].append(dict(order["orderItems"][0]))


def _city(value):
    def apply(order):
        order["shipmentDetails"]["city"] = value
    return apply


BOL_DEFECTS = st.one_of(
    st.floats(1e12, 1e300).map(lambda v: _item("unitPrice", v)),
    st.floats(-1e30, -0.01).map(lambda v: _item("unitPrice", v)),
    st.integers(L.MAX_QUANTITY + 1, 10**30).map(lambda v: _item("quantity", v)),
    moment(st.one_of(ancient, far_future)).map(lambda v: _order("orderPlacedDateTime", v)),
    longer_than(L.MAX_LINE_ID).map(lambda v: _item("orderItemId", v)),
    with_bad_char(word).map(lambda v: _item("orderItemId", v)),
    longer_than(L.MAX_EAN).map(lambda v: _nested("product", "ean", v)),
    longer_than(L.MAX_SKU, "R").map(lambda v: _nested("offer", "reference", v)),
    longer_than(L.MAX_OFFER_ID, "o").map(lambda v: _nested("offer", "offerId", v)),
    longer_than(L.MAX_TITLE, "T").map(lambda v: _nested("product", "title", v)),
    with_bad_char(word).map(lambda v: _nested("product", "title", v)),
    with_bad_char(word).map(_city),
    longer_than(L.MAX_ADDRESS_FIELD, "U").map(_city),
    st.just(_duplicate),
    st.sampled_from(["shipmentDetails", "orderPlacedDateTime"]).map(_drop),
    st.sampled_from(["unitPrice", "orderItemId"]).map(_drop_item),
)


@dataclass
class Planted:
    order_id: str  # as planted
    bad: bool


@st.composite
def bol_page(draw) -> list[tuple[dict, bool]]:
    page = []
    for _ in range(draw(st.integers(2, 5))):
        n = next(_ids)
        long_id = draw(st.booleans()) and draw(st.booleans())
        bad = draw(st.booleans())
        order_id = f"{n}".rjust(L.MAX_EXTERNAL_ID, "9") if long_id else f"{n}"
        order = draw(good_bol_order(order_id))
        if bad:
            for defect in draw(st.lists(BOL_DEFECTS, min_size=1, max_size=2)):
                defect(order)
            if draw(st.booleans()):  # an id the store cannot hold as is
                order["orderId"] = f"{n}".rjust(L.MAX_EXTERNAL_ID + 1 + n % 50, "8")
        page.append((order, bad))
    if not any(not bad for _, bad in page):
        page.append((draw(good_bol_order(str(next(_ids)))), False))
    return page


# -- Amazon Order / OrderItem (Orders v0) -------------------------------------------------

def amz_item(item_id: str, title: str, amount: str, quantity: int) -> dict:
    return {"ASIN": "B000SANDBOX", "SellerSKU": f"SKU-{item_id}", "OrderItemId": item_id,
            "Title": title, "QuantityOrdered": quantity, "QuantityShipped": 0,
            "ItemPrice": {"CurrencyCode": "EUR", "Amount": amount},
            "ItemTax": {"CurrencyCode": "EUR", "Amount": "0.00"}, "IsGift": "false",
            "ConditionId": "New", "ProductInfo": {"NumberOfItems": "1"}}


@st.composite
def good_amz_order(draw, order_id: str) -> tuple[dict, list]:
    items = [amz_item(f"{order_id}{i}", draw(odd_unicode),
                      draw(st.sampled_from(["0.00", "12.99", "999999.99"])),
                      draw(st.sampled_from([1, 3, 1000])))
             for i in range(draw(st.integers(1, 3)))]
    order = {"AmazonOrderId": order_id, "PurchaseDate": "2026-01-01T09:00:00Z",
             "LastUpdateDate": "2026-01-01T09:00:00Z", "OrderStatus": "Unshipped",
             "FulfillmentChannel": "MFN", "MarketplaceId": "A1805IZSGTT6HS",
             "BuyerInfo": {"BuyerEmail": "buyer@marketplace.amazon.nl"},
             "OrderTotal": {"CurrencyCode": "EUR", "Amount": "1.00"},
             "ShippingAddress": {"Name": f"{draw(word)} {draw(word)}", "AddressLine1":
                                 "Kerkstraat 12 A", "City": draw(word), "PostalCode": "3511 AB",
                                 "CountryCode": "NL"}}
    return order, items


def _amz_item(key, value):
    def apply(order, items):
        if items:  # an earlier defect may have removed them
            items[0][key] = value
    return apply


def _amz_order(key, value):
    def apply(order, items):
        order[key] = value
    return apply


AMZ_DEFECTS = st.one_of(
    st.floats(1e12, 1e300).map(
        lambda v: _amz_item("ItemPrice", {"CurrencyCode": "EUR", "Amount": repr(v)})),
    st.integers(L.MAX_QUANTITY + 1, 10**30).map(lambda v: _amz_item("QuantityOrdered", v)),
    moment(st.one_of(ancient, far_future)).map(lambda v: _amz_order("PurchaseDate", v)),
    longer_than(L.MAX_LINE_ID).map(lambda v: _amz_item("OrderItemId", v)),
    longer_than(L.MAX_SKU, "S").map(lambda v: _amz_item("SellerSKU", v)),
    with_bad_char(word).map(lambda v: _amz_item("Title", v)),
    with_bad_char(word).map(lambda v: _amz_item("SellerSKU", v)),
    longer_than(L.MAX_CURRENCY, "E").map(
        lambda v: _amz_item("ItemPrice", {"CurrencyCode": v, "Amount": "1.00"})),
    st.just(lambda order, items: items.extend(dict(i) for i in items[:1])),
    st.just(lambda order, items: items.clear()),
    st.sampled_from(["ShippingAddress", "PurchaseDate"]).map(
        lambda k: lambda order, items: order.pop(k, None)),
)


@st.composite
def amz_page(draw) -> list[tuple[dict, list, bool]]:
    page = []
    for _ in range(draw(st.integers(2, 5))):
        order_id = f"402-{next(_ids):07d}-0000001"
        order, items = draw(good_amz_order(order_id))
        bad = draw(st.booleans())
        if bad:
            for defect in draw(st.lists(AMZ_DEFECTS, min_size=1, max_size=2)):
                defect(order, items)
            if draw(st.booleans()):
                order["AmazonOrderId"] = order_id + "-" + "9" * L.MAX_EXTERNAL_ID
        page.append((order, items, bad))
    if all(bad for *_, bad in page):
        page.append((*draw(good_amz_order(f"402-{next(_ids):07d}-0000002")), False))
    return page


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon")) as s:
        yield s
    print(f"\nproperty figures: {dict(sorted(TALLY.items()))}")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('props') / 'store.db'}")
    else:
        store = Store(request.getfixturevalue("postgres_url"))
        empty_every_table(store.engine)
    yield store
    empty_every_table(store.engine)
    store.dispose()


def fresh(stack):
    for twin in (stack.bolcom, stack.amazon, stack.shopify):
        twin.reset()
        twin.controls.clear()


def check_import(store, ctx, platform, planted: list[Planted]) -> None:
    """Two import cycles (neither may raise), then every order where it belongs."""
    try:
        sync.import_orders(ctx)
        sync.import_orders(ctx)
    except Exception:
        TALLY["crashes"] += 1
        raise
    for p in planted:
        record = store.find(platform, "sandbox", L.storage_key(p.order_id))
        assert record is not None, f"order {p.order_id[:60]!r} lost"
        if p.bad:
            TALLY["bad inputs"] += 1
            assert record.status == S.ERROR and record.error_reason, p.order_id[:60]
            assert "\x00" not in store.events(record.id)[-1]["message"]
            TALLY["quarantined"] += 1
        else:
            TALLY["good orders"] += 1
            assert record.status == S.NOT_SHIPPED and record.lines, p.order_id[:60]
            TALLY["imported"] += 1


def run_bol(stack, store, page) -> None:
    fresh(stack)
    for order, _bad in page:
        stack.bolcom.put_order(order)
    planted = [Planted(str(order["orderId"]), bad) for order, bad in page]
    check_import(store, stack.context(store, marketplace="bolcom"), "bolcom", planted)


def run_amz(stack, store, page) -> None:
    fresh(stack)
    planted = []
    for order, items, bad in page:
        stored = stack.amazon.put_raw_order(str(order["AmazonOrderId"]), order, items)
        planted.append(Planted(stored, bad))
    check_import(store, stack.context(store, marketplace="amazon"), "amazon", planted)


@FAST
@given(page=bol_page())
def test_bolcom_page_with_extreme_orders(stack, backend, page):
    run_bol(stack, backend, page)


@FAST
@given(page=amz_page())
def test_amazon_page_with_extreme_orders(stack, backend, page):
    run_amz(stack, backend, page)


@pytest.mark.slow
@SLOW
@given(page=bol_page())
def test_bolcom_page_with_extreme_orders_long(stack, backend, page):
    run_bol(stack, backend, page)


@pytest.mark.slow
@SLOW
@given(page=amz_page())
def test_amazon_page_with_extreme_orders_long(stack, backend, page):
    run_amz(stack, backend, page)


# -- webshop tracking through detect --------------------------------------------------------

printable_code = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")),
                         max_size=L.MAX_TRACKING_NUMBER - 2).map(lambda s: "3S" + s)
good_tracking = st.tuples(printable_code, st.one_of(st.none(), word))
bad_tracking = st.one_of(
    st.tuples(longer_than(L.MAX_TRACKING_NUMBER, "A"), st.none()),
    st.tuples(with_bad_char(word).map(lambda s: "3S" + s), st.none()),
    st.tuples(printable_code, longer_than(L.MAX_CARRIER_NAME, "C")),
    st.tuples(printable_code, with_bad_char(word)),
)
trackings = st.lists(st.one_of(good_tracking.map(lambda t: (*t, False)),
                               bad_tracking.map(lambda t: (*t, True))), min_size=2, max_size=4)


def run_tracking(stack, store, entries) -> None:
    fresh(stack)
    base = datetime.now(UTC)
    ticks = itertools.count()
    ctx = stack.context(store, marketplace="bolcom",
                        clock=lambda: base + timedelta(seconds=next(ticks)))
    ids = [stack.bolcom.place_order(orderId=f"T{next(_ids)}") for _ in entries]
    sync.import_orders(ctx)
    sync.create_in_webshop(ctx)
    for bol_id, (number, company, _bad) in zip(ids, entries, strict=True):
        [shop] = stack.shopify.orders_with_reference(f"bolcom:{bol_id}")
        stack.shopify.complete(shop["id"], number, company)
    try:
        sync.detect_webshop_changes(ctx)
        sync.push_to_marketplace(ctx)
        sync.detect_webshop_changes(ctx)
    except Exception:
        TALLY["crashes"] += 1
        raise
    for bol_id, (_number, _company, bad) in zip(ids, entries, strict=True):
        record = store.find("bolcom", "sandbox", bol_id)
        TALLY["tracking inputs"] += 1
        if bad:
            TALLY["bad tracking"] += 1
            assert record.status == S.ERROR and record.error_reason == "webshop_invalid"
            TALLY["tracking errored"] += 1
        else:
            assert record.status == S.SHIPPED or record.error_reason == "shipment_failure"
            TALLY["tracking shipped"] += 1


@FAST
@given(entries=trackings)
def test_webshop_tracking_with_extreme_values(stack, backend, entries):
    run_tracking(stack, backend, entries)


@pytest.mark.slow
@settings(SLOW, max_examples=60)
@given(entries=trackings)
def test_webshop_tracking_with_extreme_values_long(stack, backend, entries):
    run_tracking(stack, backend, entries)
