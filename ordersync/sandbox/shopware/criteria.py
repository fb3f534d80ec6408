"""The DAL criteria a twin search understands: ``ids``, ``filter``/``post-filter`` (equals,
equalsAny, contains, prefix, suffix, range, multi, not; dotted paths through associations,
any-match on to-many ones; ``customFields.x``), ``sort`` (NULL first ascending, as MySQL),
``page``/``limit``, ``total-count-mode`` (none|exact|next-pages or 0|1|2), ``associations``
(only requested associations are in the answer) and ``includes`` (per ``apiAlias``).

Entities are searched fully hydrated (every association resolved), then projected."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ordersync.sandbox.shopware.errors import ShopwareError

Json = dict[str, Any]

ASSOCIATIONS: dict[str, dict[str, str]] = {
    "order": {"lineItems": "order_line_item", "deliveries": "order_delivery",
              "addresses": "order_address", "billingAddress": "order_address",
              "orderCustomer": "order_customer", "transactions": "order_transaction",
              "stateMachineState": "state_machine_state"},
    "order_delivery": {"positions": "order_delivery_position",
                       "shippingMethod": "shipping_method",
                       "stateMachineState": "state_machine_state",
                       "shippingOrderAddress": "order_address"},
    "order_transaction": {"stateMachineState": "state_machine_state"},
    "state_machine_state": {"stateMachine": "state_machine"},
}
"""Association property -> the alias of the entity it holds, per entity alias."""
COUNT_MODES = {"none": 0, "0": 0, "exact": 1, "1": 1, "next-pages": 2, "2": 2}
NEXT_PAGES_FACTOR = 6  # next-pages counts at most limit * 6 + 1 rows past the offset


def invalid(code: str, detail: str) -> ShopwareError:
    return ShopwareError(400, code, detail)


def values_at(entity: Any, path: list[str]) -> list[Any]:
    """Every value at ``path`` (to-many associations fan out)."""
    current = [entity]
    for part in path:
        nxt: list[Any] = []
        for value in current:
            if isinstance(value, Mapping):
                found = value.get(part)
                nxt.extend(found if isinstance(found, list) else [found])
        current = nxt
    return current


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
            return moment if moment.tzinfo else moment.astimezone()
        except ValueError:
            return value
    return value


def _compare(a: Any, b: Any, op: str) -> bool:
    if a is None:
        return False
    a, b = _comparable(a), _comparable(b)
    try:
        return {"gte": a >= b, "gt": a > b, "lte": a <= b, "lt": a < b}[op]
    except TypeError:
        return False


class Searcher:
    """Filters, sorts, pages and projects the entities of one alias."""

    def __init__(self, alias: str, fields: set[str]) -> None:
        self.alias, self.fields = alias, fields

    def _path(self, field: str) -> list[str]:
        if not isinstance(field, str) or not field:
            raise invalid("FRAMEWORK__INVALID_FILTER_QUERY", "A filter needs a field.")
        parts = field.split(".")
        if parts[0] == self.alias and len(parts) > 1:
            parts = parts[1:]
        if parts[0] not in self.fields and parts[0] not in ASSOCIATIONS.get(self.alias, {}):
            raise invalid("FRAMEWORK__INVALID_FILTER_QUERY",
                          f'Field "{parts[0]}" in entity "{self.alias}" was not found.')
        return parts

    def matcher(self, query: Mapping[str, Any]) -> Callable[[Json], bool]:
        kind = str(query.get("type", "")).lower()
        if kind in ("multi", "not"):
            subs = [self.matcher(q) for q in query.get("queries") or []]
            use_any = str(query.get("operator", "and")).lower() == "or"

            def combined(e: Json) -> bool:
                hit = any(s(e) for s in subs) if use_any else all(s(e) for s in subs)
                return not hit if kind == "not" else hit

            return combined
        path = self._path(query.get("field"))
        value = query.get("value")
        if kind == "equals":
            if value is None:
                return lambda e: all(v in (None, []) for v in values_at(e, path))
            return lambda e: any(v == value or (isinstance(v, (int, float)) and not
                                                isinstance(v, bool) and str(v) == str(value))
                                 for v in values_at(e, path))
        if kind == "equalsany":
            wanted = value.split("|") if isinstance(value, str) else list(value or [])
            return lambda e: any(v in wanted for v in values_at(e, path))
        if kind in ("contains", "prefix", "suffix"):
            test = {"contains": lambda v: str(value) in v, "prefix": lambda v: v.startswith(
                str(value)), "suffix": lambda v: v.endswith(str(value))}[kind]
            return lambda e: any(isinstance(v, str) and test(v) for v in values_at(e, path))
        if kind == "range":
            bounds = query.get("parameters") or {}
            if not isinstance(bounds, Mapping) or set(bounds) - {"gte", "gt", "lte", "lt"}:
                raise invalid("FRAMEWORK__INVALID_FILTER_QUERY",
                              "Range filter parameters must be gte, gt, lte or lt.")
            return lambda e: any(all(_compare(v, b, op) for op, b in bounds.items())
                                 for v in values_at(e, path))
        raise invalid("FRAMEWORK__INVALID_FILTER_QUERY", f'Unsupported filter type "{kind}".')

    def search(self, entities: list[Json], criteria: Mapping[str, Any]) -> Json:
        """``{"total", "data"}`` for a criteria body."""
        if not isinstance(criteria, Mapping):
            raise invalid("FRAMEWORK__INVALID_CRITERIA", "The criteria must be an object.")
        page, limit = criteria.get("page", 1), criteria.get("limit")
        if not isinstance(page, int) or page < 1:
            raise invalid("FRAMEWORK__INVALID_PAGE_QUERY",
                          "The page parameter must be a positive integer")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise invalid("FRAMEWORK__INVALID_LIMIT_QUERY",
                          "The limit parameter must be a positive integer greater or equals "
                          "than 1")
        mode = COUNT_MODES.get(str(criteria.get("total-count-mode", "none")))
        if mode is None:
            raise invalid("FRAMEWORK__INVALID_CRITERIA",
                          "total-count-mode must be none, exact or next-pages")
        found = list(entities)
        ids = criteria.get("ids")
        if ids is not None:
            wanted = list(ids) if isinstance(ids, list) else str(ids).split("|")
            found = [e for e in found if e["id"] in wanted]
        for key in ("filter", "post-filter"):
            for query in criteria.get(key) or []:
                match = self.matcher(query)
                found = [e for e in found if match(e)]
        for sort in reversed(criteria.get("sort") or []):
            path = self._path(sort.get("field"))
            desc = str(sort.get("order", "ASC")).upper() == "DESC"

            def key(e: Json, path: list[str] = path) -> tuple[int, Any]:
                values = [v for v in values_at(e, path) if v is not None]
                return (1, _comparable(values[0])) if values else (0, "")

            found.sort(key=key, reverse=desc)
        offset = (page - 1) * (limit or 0)
        data = found[offset: offset + limit] if limit else found[offset:]
        total = {0: len(data), 1: len(found),
                 2: offset + min(len(found) - offset,
                                 (limit or len(found)) * NEXT_PAGES_FACTOR + 1)}[mode]
        assoc = criteria.get("associations") or {}
        includes = criteria.get("includes") or {}
        return {"total": total,
                "data": [project(e, self.alias, assoc, includes) for e in data]}


def project(entity: Json, alias: str, assoc: Mapping[str, Any],
            includes: Mapping[str, list[str]]) -> Json:
    """The entity with only the requested associations (recursively) and included fields."""
    known = ASSOCIATIONS.get(alias, {})
    out: Json = {}
    for key, value in entity.items():
        if key.startswith("_"):
            continue
        if key in known:
            if key not in assoc:
                continue
            sub = assoc.get(key) or {}
            nested, child = sub.get("associations") or {}, known[key]
            if isinstance(value, list):
                value = [project(v, child, nested, includes) for v in value]
            elif isinstance(value, dict):
                value = project(value, child, nested, includes)
        out[key] = value
    wanted = includes.get(alias)
    if wanted:
        out = {k: v for k, v in out.items() if k in wanted}
    return out
