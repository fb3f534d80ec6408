"""Helpers every connector's mapping uses."""

from __future__ import annotations

from typing import Any

from ordersync.orders import ErrorReason


class MappingError(ValueError):
    """A payload that cannot become an order; carries the quarantine reason."""

    def __init__(self, reason: ErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def text(value: Any) -> str | None:
    """A stripped string, or None for missing or blank values."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None
