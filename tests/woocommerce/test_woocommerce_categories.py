"""pick_category: PRODUCT.md's three rules for a product's WooCommerce categories."""

from __future__ import annotations

from ordersync.connectors.woocommerce import pick_category

ALL = [
    {"id": 1, "name": "Clothing", "parent": 0},
    {"id": 2, "name": "T-shirts", "parent": 1},
    {"id": 3, "name": "V-neck", "parent": 2},
    {"id": 4, "name": "Accessories", "parent": 0},
    {"id": 5, "name": "hats", "parent": 4},
    {"id": 6, "name": "Bags", "parent": 4},
]


def cats(*ids: int) -> list[dict]:
    return [c for c in ALL if c["id"] in ids]


def test_one_chain_gives_its_deepest_level():
    assert pick_category(cats(1, 2, 3), ALL)["id"] == 3
    assert pick_category(cats(2, 1), ALL)["id"] == 2
    assert pick_category(cats(4), ALL)["id"] == 4


def test_same_level_gives_the_alphabetically_first():
    assert pick_category(cats(1, 4), ALL)["name"] == "Accessories"
    assert pick_category(cats(5, 6), ALL)["name"] == "Bags"  # case-insensitive
    assert pick_category(cats(2, 5), ALL)["name"] == "hats"


def test_different_levels_give_the_more_general():
    assert pick_category(cats(3, 4), ALL)["id"] == 4
    assert pick_category(cats(2, 6, 3), ALL)["name"] == "Bags"
    assert pick_category(cats(1, 5), ALL)["id"] == 1


def test_no_categories_and_parent_on_the_entry():
    assert pick_category([], ALL) is None
    own = [{"id": 9, "name": "Loose", "parent": 8}, {"id": 8, "name": "Root", "parent": 0}]
    assert pick_category(own, [])["id"] == 9
