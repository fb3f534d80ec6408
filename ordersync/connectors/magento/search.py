"""Magento ``searchCriteria`` query strings and dates (pure).

Filters inside one filter group are OR-ed, the groups are AND-ed (Magento's
``FilterProcessor``); a query key looks like
``searchCriteria[filter_groups][0][filters][0][condition_type]``. The admin schema spells the
keys camelCase (``filterGroups``, ``conditionType``); Magento's REST deserialiser accepts both,
and its docs (performing-searches) use snake_case, which is what this module sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # how Magento prints and compares created_at / updated_at (UTC)


@dataclass(frozen=True, slots=True)
class Filter:
    field: str
    value: str
    condition: str = "eq"


def magento_date(when: datetime) -> str:
    """A UTC datetime as Magento stores it (whole seconds, no zone)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime(DATE_FORMAT)


def parse_date(value: str) -> datetime:
    """``Y-m-d H:i:s`` (UTC, as the REST API prints it) as an aware datetime."""
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)


def search_criteria(
    groups: Sequence[Sequence[Filter]] = (),
    *,
    sort: Sequence[tuple[str, str]] = (),
    page_size: int | None = None,
    current_page: int | None = None,
) -> dict[str, str]:
    """Query parameters of one search: ``groups`` AND-ed, filters inside a group OR-ed."""
    params: dict[str, str] = {}
    for g, group in enumerate(groups):
        for f, flt in enumerate(group):
            key = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{key}[field]"] = flt.field
            params[f"{key}[value]"] = flt.value
            params[f"{key}[condition_type]"] = flt.condition
    for s, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sort_orders][{s}][field]"] = field
        params[f"searchCriteria[sort_orders][{s}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[page_size]"] = str(page_size)
    if current_page is not None:
        params["searchCriteria[current_page]"] = str(current_page)
    if not params:  # Magento requires searchCriteria; an empty one lists everything
        params["searchCriteria"] = ""
    return params


def last_page(total_count: int, page_size: int) -> int:
    """The number of pages ``total_count`` fills. Paging stops here: Magento answers a
    ``current_page`` past the end with the last page again, never with an empty one."""
    return max(1, -(-total_count // page_size))
