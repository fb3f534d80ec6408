"""idle cycle: cancellations confirmed on the marketplace are stamped like shipments

Before, ``marketplace_confirmed_at`` was only set by a confirmed shipment, so every order
cancelled after it reached the webshop stayed in the push step's "cancelled, not confirmed"
query and was read again by every cycle: an idle cycle's cost grew with the history of
cancellations. From now on a done cancellation stamps it; this backfills the orders already
cancelled on the marketplace (their ``cancel_on_marketplace`` intent is done). No index
changes: every query of an idle cycle already has one (tests/store/test_idle_cycle_plans.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DONE_CANCELLATION = (
    "SELECT max(remote_writes.updated_at) FROM remote_writes "
    "WHERE remote_writes.order_id = orders.id "
    "AND remote_writes.action = 'cancel_on_marketplace' AND remote_writes.state = 'done'"
)
BACKFILL = (
    f"UPDATE orders SET marketplace_confirmed_at = ({DONE_CANCELLATION}) "
    f"WHERE status = 'cancelled' AND marketplace_confirmed_at IS NULL "
    f"AND EXISTS ({DONE_CANCELLATION})"
)


def upgrade() -> None:
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("UPDATE orders SET marketplace_confirmed_at = NULL WHERE status = 'cancelled'")
