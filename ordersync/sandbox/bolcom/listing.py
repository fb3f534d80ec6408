"""The query of ``GET /retailer/orders`` as retailer.json defines it, checked like bol.com
checks it: every invalid value is a violation of a 400 Problem (the same checks serve other
queries: ``int32``, ``enum``).

- ``page`` int32 >= 1, default 1 (50 orders a page; past the last page ``{"orders": []}``,
  the schema's required ``orders``);
- ``fulfilment-method`` FBR (default) | FBB | ALL; ``status`` OPEN (default) | SHIPPED | ALL;
- ``change-interval-minute`` int32 <= 60: only items changed in the last that many minutes;
- ``latest-change-date`` ``yyyy-MM-dd``: only items whose latest change was on that day (UTC),
  at most 3 months back ("Up to 3 months of history is supported");
- ``vvb-only`` true | false: only items shipped with bol.com's VVB labels (FBR items whose
  ``distributionParty`` is ``BOL``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

INT32 = re.compile(r"[+-]?\d{1,10}")
METHODS = ("FBR", "FBB", "ALL")
STATUSES = ("OPEN", "SHIPPED", "ALL")
MAX_INTERVAL = 60
HISTORY = timedelta(days=92)  # "up to 3 months of history"


@dataclass(frozen=True)
class OrderQuery:
    page: int = 1
    fulfilment_method: str = "FBR"
    status: str = "OPEN"
    changed_since: datetime | None = None  # from change-interval-minute
    changed_on: date | None = None  # latest-change-date
    vvb_only: bool = False

    def keeps(self, item: dict[str, Any], changed: datetime | None) -> bool:
        """The item-level filters (fulfilment method, change time, VVB)."""
        fulfilment = item.get("fulfilment") or {}
        method = fulfilment.get("method", "FBR")
        if self.fulfilment_method != "ALL" and method != self.fulfilment_method:
            return False
        if self.vvb_only and not (method == "FBR"
                                  and fulfilment.get("distributionParty") == "BOL"):
            return False
        if self.changed_since is not None and (changed is None or changed < self.changed_since):
            return False
        return self.changed_on is None or (changed is not None
                                           and changed.date() == self.changed_on)


def _violation(name: str, reason: str) -> dict[str, str]:
    return {"name": name, "reason": reason}


def int32(query: Mapping[str, str], name: str, out: list[dict[str, str]]) -> int | None:
    """An int32 query parameter (None when absent); a violation in ``out`` when invalid."""
    text = query.get(name)
    if text is None:
        return None
    if not INT32.fullmatch(text) or not -(2**31) <= int(text) < 2**31:
        out.append(_violation(name, f"Request contains invalid value(s): '{text}', "
                                    "must be a 32-bit integer."))
        return None
    return int(text)


def enum(query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str,
         out: list[dict[str, str]]) -> str:
    """An enum query parameter; a violation in ``out`` when not one of ``allowed``."""
    value = query.get(name, default)
    if value not in allowed:
        out.append(_violation(name, f"Request contains invalid value(s): '{value}', "
                                    f"allowed values: {', '.join(allowed)}."))
    return value


def parse_query(query: Mapping[str, str], now: datetime) -> OrderQuery | list[dict[str, str]]:
    """The checked query, or the violations to answer with a 400 Problem."""
    out: list[dict[str, str]] = []
    page = int32(query, "page", out)
    if page is not None and page < 1:
        out.append(_violation("page", "Must be an integer of at least 1."))
    method = enum(query, "fulfilment-method", METHODS, "FBR", out)
    status = enum(query, "status", STATUSES, "OPEN", out)
    interval = int32(query, "change-interval-minute", out)
    if interval is not None and interval > MAX_INTERVAL:
        out.append(_violation("change-interval-minute", f"Must be at most {MAX_INTERVAL}."))
    changed_on = None
    text = query.get("latest-change-date")
    if text is not None:
        try:
            changed_on = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            changed_on = None
        if changed_on is None:
            out.append(_violation("latest-change-date", f"Request contains invalid value(s): "
                                                        f"'{text}', expected yyyy-MM-dd."))
        elif changed_on < (now - HISTORY).date():
            out.append(_violation("latest-change-date",
                                  "Up to 3 months of history is supported."))
    vvb = query.get("vvb-only", "false").lower()
    if vvb not in ("true", "false"):
        out.append(_violation("vvb-only", f"Request contains invalid value(s): '{vvb}', "
                                          "allowed values: true, false."))
    if out:
        return out
    return OrderQuery(
        page=page or 1, fulfilment_method=method, status=status,
        changed_since=None if interval is None else now - timedelta(minutes=interval),
        changed_on=changed_on, vvb_only=vvb == "true",
    )
