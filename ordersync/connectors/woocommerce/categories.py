"""Which one of a product's WooCommerce categories the hub files it under (PRODUCT.md §3):
one hierarchical chain -> its deepest level; several on the same level -> the alphabetically
first; on different levels -> the more general (higher) one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Category = Mapping[str, Any]


def _parents(all_categories: Iterable[Category]) -> dict[int, int]:
    return {int(c["id"]): int(c.get("parent") or 0) for c in all_categories}


def _ancestors(cid: int, parents: Mapping[int, int]) -> list[int]:
    """Ids above ``cid``, nearest first (cycles cut)."""
    chain: list[int] = []
    current = parents.get(cid, 0)
    while current and current not in chain and current != cid:
        chain.append(current)
        current = parents.get(current, 0)
    return chain


def _name(category: Category) -> tuple[str, int]:
    return (str(category.get("name") or "").casefold(), int(category["id"]))


def pick_category(
    categories: Iterable[Category], all_categories: Iterable[Category]
) -> Category | None:
    """The category to use among a product's ``categories`` (each ``{id, name, parent?}``);
    ``all_categories`` supplies the parents. None for a product without categories."""
    chosen = list({int(c["id"]): c for c in categories}.values())
    if not chosen:
        return None
    everything = list(all_categories)
    parents = _parents(everything)
    for c in chosen:  # a product's own entry may carry its parent when the list lacks it
        parents.setdefault(int(c["id"]), int(c.get("parent") or 0))
    depth = {int(c["id"]): len(_ancestors(int(c["id"]), parents)) for c in chosen}
    deepest = max(chosen, key=lambda c: (depth[int(c["id"])], _name(c)))
    above = set(_ancestors(int(deepest["id"]), parents))
    if all(int(c["id"]) == int(deepest["id"]) or int(c["id"]) in above for c in chosen):
        return deepest  # one chain
    top = min(depth.values())
    return min((c for c in chosen if depth[int(c["id"])] == top), key=_name)
