"""Watermarks: how far each stream of a connection has been read; they only move forward,
and only after their window is committed."""

from __future__ import annotations

from datetime import datetime

from ordersync.store.base import StoreBase, _insert
from ordersync.store.tables import WatermarkRow


class WatermarkStore(StoreBase):
    def watermark(self, connection: str, stream: str) -> datetime | None:
        with self.session() as s:
            row = s.get(WatermarkRow, (connection, stream))
            return row.value if row else None

    def set_watermark(self, connection: str, stream: str, value: datetime, now: datetime) -> None:
        """Advance (never rewind) a stream's watermark; atomic under overlapping runs."""
        insert = _insert(self.dialect)(WatermarkRow).values(
            connection=connection, stream=stream, value=value, updated_at=now
        )
        with self.session() as s:
            s.execute(
                insert.on_conflict_do_update(
                    index_elements=["connection", "stream"],
                    set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
                    where=WatermarkRow.value < insert.excluded.value,
                )
            )
