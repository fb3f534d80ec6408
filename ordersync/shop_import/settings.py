"""A shop import connection's settings, as loaded from its block (no store, no pandas: the
block module imports it in every flow run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ShopImportSettings:
    """How one shop import connection behaves; loaded from its block."""

    name: str
    hub_currency: str
    identify_by: str = "sku"
    initial_status: str = "new"  # the order type's initial status
    overlap: timedelta = timedelta(minutes=10)  # look-back of the 5-minute poll
    initial_lookback: timedelta = timedelta(days=1)  # first poll without a watermark
    backfill_window: timedelta = timedelta(days=60)  # "the last two months"
    pages_per_task: int = 10
    lease: timedelta = timedelta(minutes=15)
    calling_code: str | None = None  # the shop's country (31 or NL): default phone region

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a shop import connection needs a name")
        if len(self.hub_currency) != 3 or not self.hub_currency.isalpha() \
                or not self.hub_currency.isupper():
            raise ValueError(f"hub_currency must be an ISO 4217 code like EUR, got "
                             f"{self.hub_currency!r}")
        if self.pages_per_task < 1:
            raise ValueError("pages_per_task must be at least 1")
