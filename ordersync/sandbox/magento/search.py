"""The twin's ``searchCriteria``: parsed from the query string (snake_case as the docs write it
and camelCase as the admin schema does), applied to a list of rows like Magento's
``CollectionProcessor``: filters OR-ed inside a group, groups AND-ed, sort orders in turn,
``page_size``/``current_page`` with a page past the end answered by the last page (the
collection clamps ``current_page``), ``total_count`` of every match."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ordersync.sandbox.magento.errors import MagentoError

KEY = re.compile(r"^searchCriteria\[(\w+)\](?:\[(\d+)\]\[(\w+)\](?:\[(\d+)\]\[(\w+)\])?)?$")
ALIASES = {"filterGroups": "filter_groups", "sortOrders": "sort_orders",
           "pageSize": "page_size", "currentPage": "current_page",
           "conditionType": "condition_type"}
CONDITIONS = frozenset({"eq", "neq", "gt", "gteq", "lt", "lteq", "moreq", "in", "nin", "like",
                        "nlike", "null", "notnull", "from", "to", "finset", "nfinset"})
Row = Mapping[str, Any]


def parse(query: Sequence[tuple[str, str]], *, required: bool = True) -> dict[str, Any]:
    """``searchCriteria`` as ``{filter_groups, sort_orders, page_size, current_page}``."""
    groups: dict[int, dict[int, dict[str, str]]] = {}
    sorts: dict[int, dict[str, str]] = {}
    criteria: dict[str, Any] = {}
    present = False
    for key, value in query:
        if key == "searchCriteria":
            present = True
            continue
        match = KEY.match(key)
        if not match:
            continue
        present = True
        top, i, part, j, leaf = match.groups()
        top = ALIASES.get(top, top)
        if top == "filter_groups" and part == "filters" and j is not None:
            groups.setdefault(int(i), {}).setdefault(int(j), {})[ALIASES.get(leaf, leaf)] = value
        elif top == "sort_orders" and i is not None:
            sorts.setdefault(int(i), {})[part] = value
        elif top in ("page_size", "current_page") and i is None:
            try:
                criteria[top] = int(value)
            except ValueError:
                raise MagentoError(400, 'The "%1" value\'s type is invalid. The "%2" type was '
                                   'expected. Verify and try again.',
                                   [value, "int"]) from None
    if required and not present:
        raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                           {"fieldName": "searchCriteria"})
    criteria["filter_groups"] = [
        {"filters": [groups[g][f] for f in sorted(groups[g])]} for g in sorted(groups)]
    for group in criteria["filter_groups"]:
        for flt in group["filters"]:
            flt.setdefault("condition_type", "eq")
            if flt["condition_type"] not in CONDITIONS:
                raise MagentoError(400, 'Invalid condition type "%1".', [flt["condition_type"]])
            if "field" not in flt:
                raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                                   {"fieldName": "field"})
            flt.setdefault("value", "")
    if sorts:
        criteria["sort_orders"] = [{"field": s.get("field", ""),
                                    "direction": s.get("direction", "ASC").upper()}
                                   for _, s in sorted(sorts.items())]
    return criteria


def _cmp_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return float(value)
    return "" if value is None else str(value)


def _coerce(row_value: Any, value: str) -> Any:
    if isinstance(row_value, int | float) and not isinstance(row_value, bool):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def matches(row: Row, flt: Mapping[str, str]) -> bool:
    field, value, cond = flt["field"], flt.get("value", ""), flt["condition_type"]
    raw = row.get(field)
    if cond == "null":
        return raw is None
    if cond == "notnull":
        return raw is not None
    if raw is None:
        return False
    have = _cmp_value(raw)
    if cond in ("in", "nin", "finset", "nfinset"):
        wanted = {str(_coerce(raw, v.strip())) for v in value.split(",")}
        inside = str(have) in wanted
        return inside if cond in ("in", "finset") else not inside
    if cond in ("like", "nlike"):
        hit = bool(_like(value).match(str(raw)))
        return hit if cond == "like" else not hit
    want = _coerce(raw, value)
    if type(want) is not type(have):
        have, want = str(raw), str(value)
    return {"eq": have == want, "neq": have != want, "gt": have > want, "gteq": have >= want,
            "moreq": have >= want, "from": have >= want, "lt": have < want,
            "lteq": have <= want, "to": have <= want}[cond]


def search(rows: Sequence[Row], criteria: Mapping[str, Any],
           default_sort: str = "entity_id") -> dict[str, Any]:
    """``{items, search_criteria, total_count}`` of ``rows`` under ``criteria``."""
    found = [r for r in rows
             if all(any(matches(r, f) for f in g["filters"]) for g in criteria["filter_groups"]
                    if g["filters"])]
    found.sort(key=lambda r: _cmp_value(r.get(default_sort)))
    for order in reversed(criteria.get("sort_orders") or ()):
        found.sort(key=lambda r, f=order["field"]: (r.get(f) is not None, _cmp_value(r.get(f))),
                   reverse=order["direction"] == "DESC")
    total = len(found)
    size = criteria.get("page_size")
    if size:
        pages = max(1, -(-total // size))
        page = min(max(1, criteria.get("current_page") or 1), pages)  # clamped, never empty
        found = found[(page - 1) * size: page * size]
    return {"items": found, "search_criteria": dict(criteria), "total_count": total}
