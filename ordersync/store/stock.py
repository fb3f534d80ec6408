"""The store side of stock sync: what the hub knows that the webshop's stock does not show yet,
the marketplaces' offers, a lease per target, the quantities last sent, and the record of
every quantity sent (written before it is sent, completed with its outcome).

Update states: ``pending`` (recorded, not sent yet), ``sending`` (the request may have
reached the platform), ``submitted`` (accepted, reference known), then ``done``, ``failed``
(the platform refused it) or ``abandoned`` (it never reached the platform). ``stock_levels``
keeps per SKU the quantity last sent and not known to have failed (the diff is taken against
it) and the last one confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_, update

from ordersync.orders import OrderStatus
from ordersync.stock.model import Change, HubQuantities, Offer, Target
from ordersync.store.repository import Store, _insert
from ordersync.store.stock_tables import (
    MarketplaceOfferRow,
    StockBatchRow,
    StockLevelRow,
    StockReservationRow,
    StockTargetRow,
    StockUpdateRow,
)
from ordersync.store.tables import OrderLineRow, OrderRow

# Orders whose quantity the webshop's stock does not show yet: open on the marketplace and
# not (yet) created in the webshop. Errored ones count too (the merchant will handle them).
NOT_IN_WEBSHOP = (OrderStatus.PENDING, OrderStatus.NOT_SHIPPED,
                  OrderStatus.CANCELLATION_REQUEST, OrderStatus.ERROR)
OPEN_STATES = ("pending", "sending", "submitted")
FINAL_STATES = ("done", "failed", "abandoned")
CHUNK = 500  # rows per IN (...) / bulk statement


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    id: int
    batch_id: int
    sku: str
    offer_id: str | None
    quantity: int
    state: str
    ref: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: int
    method: str
    state: str
    document_id: str | None
    remote_ref: str | None
    created_at: datetime
    updates: tuple[UpdateRecord, ...]


@dataclass(frozen=True, slots=True)
class TargetState:
    offers_refreshed_at: datetime | None
    export_ref: str | None
    export_requested_at: datetime | None


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class StockStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- inputs ---------------------------------------------------------------------------

    def hub_quantities(self, accounts: Collection[tuple[str, str]]) -> HubQuantities:
        """Per SKU: quantities of these marketplace accounts' orders not yet in the webshop,
        and per platform the active reservations of orders the hub has not imported (a
        reservation whose order is imported already never counts twice, even before it is
        released)."""
        if not accounts:
            return HubQuantities()
        pairs = [tuple(a) for a in accounts]
        with self.store.session() as s:
            rows = s.execute(
                select(OrderLineRow.sku, func.sum(OrderLineRow.quantity))
                .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
                .where(tuple_(OrderRow.platform, OrderRow.account).in_(pairs),
                       OrderRow.status.in_([str(x) for x in NOT_IN_WEBSHOP]),
                       OrderRow.webshop_order_id.is_(None),
                       OrderLineRow.sku.is_not(None))
                .group_by(OrderLineRow.sku))
            unimported = {sku: int(n) for sku, n in rows if n}
            imported = select(OrderRow.id).where(
                OrderRow.platform == StockReservationRow.platform,
                OrderRow.account == StockReservationRow.account,
                OrderRow.external_id == StockReservationRow.external_id).exists()
            rows = s.execute(
                select(StockReservationRow.platform, StockReservationRow.sku,
                       func.sum(StockReservationRow.quantity))
                .where(tuple_(StockReservationRow.platform,
                              StockReservationRow.account).in_(pairs),
                       StockReservationRow.state == "active",
                       StockReservationRow.sku.is_not(None), ~imported)
                .group_by(StockReservationRow.platform, StockReservationRow.sku))
            reserved: dict[str, dict[str, int]] = defaultdict(dict)
            for platform, sku, n in rows:
                if n:
                    reserved[platform][sku] = int(n)
        return HubQuantities(unimported, dict(reserved))

    # -- offers and target state ----------------------------------------------------------

    def offers(self, target: Target) -> dict[str, str]:
        """SKU -> offer id of the target's offers the retailer ships itself (FBR); with
        several offers for one SKU the first by id."""
        with self.store.session() as s:
            rows = s.execute(
                select(MarketplaceOfferRow.sku, MarketplaceOfferRow.offer_id)
                .where(MarketplaceOfferRow.platform == target.platform,
                       MarketplaceOfferRow.account == target.account,
                       MarketplaceOfferRow.sku.is_not(None),
                       or_(MarketplaceOfferRow.fulfilment.is_(None),
                           MarketplaceOfferRow.fulfilment == "FBR"))
                .order_by(MarketplaceOfferRow.offer_id))
            found: dict[str, str] = {}
            for sku, offer_id in rows:
                found.setdefault(sku, offer_id)
            return found

    def replace_offers(self, target: Target, offers: Iterable[Offer], now: datetime) -> int:
        """The target's offers as a fresh export lists them (one transaction)."""
        rows = {o.offer_id: {"platform": target.platform, "account": target.account,
                             "offer_id": o.offer_id, "sku": o.sku, "ean": o.ean,
                             "fulfilment": o.fulfilment, "refreshed_at": now} for o in offers}
        with self.store.session() as s:
            s.execute(delete(MarketplaceOfferRow).where(
                MarketplaceOfferRow.platform == target.platform,
                MarketplaceOfferRow.account == target.account))
            for chunk in _chunks(list(rows.values())):
                s.execute(_insert(self.store.dialect)(MarketplaceOfferRow), chunk)
            row = self._target_row(s, target, now)
            row.offers_refreshed_at, row.export_ref, row.export_requested_at = now, None, None
        return len(rows)

    def target_state(self, target: Target) -> TargetState:
        with self.store.session() as s:
            row = s.get(StockTargetRow, (target.platform, target.account))
            if row is None:
                return TargetState(None, None, None)
            return TargetState(row.offers_refreshed_at, row.export_ref, row.export_requested_at)

    def set_export(self, target: Target, ref: str | None, now: datetime) -> None:
        """Remember (or forget) an offers export in progress."""
        with self.store.session() as s:
            row = self._target_row(s, target, now)
            row.export_ref, row.export_requested_at = ref, (now if ref else None)

    def _target_row(self, s, target: Target, now: datetime) -> StockTargetRow:
        s.execute(_insert(self.store.dialect)(StockTargetRow)
                  .values(platform=target.platform, account=target.account, updated_at=now)
                  .on_conflict_do_nothing(index_elements=["platform", "account"]))
        row = s.execute(select(StockTargetRow).where(
            StockTargetRow.platform == target.platform,
            StockTargetRow.account == target.account).with_for_update()).scalar_one()
        row.updated_at = now
        return row

    # -- the lease: one run sends to a target at a time -----------------------------------

    def claim_target(self, target: Target, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take (or extend) the target's lease; False while another live run holds it."""
        with self.store.session() as s:
            row = self._target_row(s, target, now)
            if row.owner not in (None, owner) and row.lease_until and row.lease_until > now:
                return False
            row.owner, row.lease_until = owner, now + lease
            return True

    def release_target(self, target: Target, owner: str, now: datetime) -> None:
        with self.store.session() as s:
            s.execute(update(StockTargetRow)
                      .where(StockTargetRow.platform == target.platform,
                             StockTargetRow.account == target.account,
                             StockTargetRow.owner == owner)
                      .values(owner=None, lease_until=None, updated_at=now))

    # -- levels ---------------------------------------------------------------------------

    def last_sent(self, target: Target) -> dict[str, int]:
        """SKU -> the quantity last sent to the target and not known to have failed."""
        with self.store.session() as s:
            return dict(s.execute(select(StockLevelRow.sku, StockLevelRow.sent_quantity).where(
                StockLevelRow.platform == target.platform,
                StockLevelRow.account == target.account,
                StockLevelRow.sent_quantity.is_not(None))).all())

    def levels(self, target: Target) -> dict[str, tuple[int | None, int | None]]:
        """SKU -> (sent, confirmed) quantities."""
        with self.store.session() as s:
            rows = s.execute(select(StockLevelRow.sku, StockLevelRow.sent_quantity,
                                    StockLevelRow.confirmed_quantity).where(
                StockLevelRow.platform == target.platform,
                StockLevelRow.account == target.account))
            return {sku: (sent, confirmed) for sku, sent, confirmed in rows}

    # -- recording what is sent -----------------------------------------------------------

    def record(self, target: Target, method: str, changes: Collection[Change], now: datetime,
               *, offer_ids: Mapping[str, str] | None = None,
               state: str = "pending") -> tuple[int, dict[str, int]]:
        """Record a batch and one update per change (committed before anything is sent);
        the levels now say these quantities are sent. Returns (batch id, SKU -> update id)."""
        offer_ids = offer_ids or {}
        with self.store.session() as s:
            batch = StockBatchRow(platform=target.platform, account=target.account,
                                  method=method, state=state, created_at=now, updated_at=now)
            s.add(batch)
            s.flush()
            values = [{"batch_id": batch.id, "platform": target.platform,
                       "account": target.account, "sku": c.sku,
                       "offer_id": offer_ids.get(c.sku), "quantity": c.wanted.quantity,
                       "previous": c.previous, "webshop_stock": c.wanted.webshop,
                       "unimported": c.wanted.unimported, "reserved": c.wanted.reserved,
                       "capped": c.wanted.capped, "state": state, "created_at": now,
                       "sent_at": now if state == "sending" else None}
                      for c in changes]
            ids: dict[str, int] = {}
            for chunk in _chunks(values):
                result = s.execute(_insert(self.store.dialect)(StockUpdateRow).values(chunk)
                                   .returning(StockUpdateRow.id, StockUpdateRow.sku))
                ids.update((sku, ident) for ident, sku in result)
            levels = [{"platform": target.platform, "account": target.account, "sku": c.sku,
                       "sent_quantity": c.wanted.quantity, "last_update_id": ids[c.sku],
                       "updated_at": now} for c in changes]
            for chunk in _chunks(levels):
                insert = _insert(self.store.dialect)(StockLevelRow).values(chunk)
                s.execute(insert.on_conflict_do_update(
                    index_elements=["platform", "account", "sku"],
                    set_={"sent_quantity": insert.excluded.sent_quantity,
                          "last_update_id": insert.excluded.last_update_id,
                          "updated_at": insert.excluded.updated_at}))
            return batch.id, ids

    def set_batch(self, batch_id: int, now: datetime, *, state: str | None = None,
                  document_id: str | None = None, remote_ref: str | None = None,
                  message: str | None = None, updates_too: bool = False) -> None:
        """Move a batch on (and, with ``updates_too``, its open updates to the same state)."""
        values: dict[str, Any] = {"updated_at": now}
        for key, value in (("state", state), ("document_id", document_id),
                           ("remote_ref", remote_ref), ("message", message)):
            if value is not None:
                values[key] = value
        with self.store.session() as s:
            s.execute(update(StockBatchRow).where(StockBatchRow.id == batch_id).values(**values))
            if updates_too and state in ("sending", "submitted"):
                extra: dict[str, Any] = {"state": state}
                if state == "sending":
                    extra["sent_at"] = now
                if remote_ref:
                    extra["ref"] = remote_ref
                s.execute(update(StockUpdateRow)
                          .where(StockUpdateRow.batch_id == batch_id,
                                 StockUpdateRow.state.in_(OPEN_STATES))
                          .values(**extra))

    def mark_sending(self, update_ids: Collection[int], now: datetime) -> None:
        """These updates are about to be sent: from now on their outcome may be unknown."""
        with self.store.session() as s:
            for chunk in _chunks(list(update_ids)):
                s.execute(update(StockUpdateRow).where(StockUpdateRow.id.in_(chunk))
                          .values(state="sending", sent_at=now))

    def mark_submitted(self, refs: Mapping[int, str], now: datetime) -> None:
        """Update id -> the platform's reference of the accepted write."""
        if not refs:
            return
        with self.store.session() as s:
            s.execute(update(StockUpdateRow), [
                {"id": ident, "state": "submitted", "ref": ref} for ident, ref in refs.items()])

    def finish(self, outcomes: Mapping[int, tuple[str, str | None]], now: datetime) -> None:
        """Update id -> (done | failed | abandoned, message). Done: the SKU's confirmed
        quantity is this one. Failed or abandoned while it is the SKU's latest update: the
        sent quantity falls back to the confirmed one, so the next diff sends it again."""
        if not outcomes:
            return
        ids = sorted(outcomes)
        with self.store.session() as s:
            s.execute(update(StockUpdateRow), [
                {"id": i, "state": outcomes[i][0], "message": outcomes[i][1],
                 "finished_at": now} for i in ids])
            rows = []
            for chunk in _chunks(ids):
                rows += s.execute(select(StockUpdateRow.id, StockUpdateRow.platform,
                                         StockUpdateRow.account, StockUpdateRow.sku,
                                         StockUpdateRow.quantity)
                                  .where(StockUpdateRow.id.in_(chunk))).all()
            done = {}
            for ident, platform, account, sku, quantity in sorted(rows):
                if outcomes[ident][0] == "done":
                    done[(platform, account, sku)] = quantity
            if done:
                s.execute(update(StockLevelRow), [
                    {"platform": p, "account": a, "sku": k, "confirmed_quantity": q,
                     "updated_at": now} for (p, a, k), q in done.items()])
            lost = [i for i in ids if outcomes[i][0] != "done"]
            for chunk in _chunks(lost):
                levels = s.execute(select(StockLevelRow).where(
                    StockLevelRow.last_update_id.in_(chunk))).scalars().all()
                for level in levels:
                    level.sent_quantity, level.updated_at = level.confirmed_quantity, now

    def finish_batch(self, batch_id: int, state: str, now: datetime,
                     message: str | None = None) -> None:
        with self.store.session() as s:
            s.execute(update(StockBatchRow).where(StockBatchRow.id == batch_id)
                      .values(state=state, message=message, updated_at=now))

    def close_batches(self, target: Target, now: datetime) -> int:
        """Batches whose updates are all finished end as done (with how many failed)."""
        closed = 0
        with self.store.session() as s:
            batches = s.execute(select(StockBatchRow).where(
                StockBatchRow.platform == target.platform,
                StockBatchRow.account == target.account,
                StockBatchRow.state.in_(OPEN_STATES + ("uploaded",)))).scalars().all()
            counts: dict[int, dict[str, int]] = defaultdict(dict)
            for chunk in _chunks([b.id for b in batches]):
                for batch_id, state, n in s.execute(
                        select(StockUpdateRow.batch_id, StockUpdateRow.state, func.count())
                        .where(StockUpdateRow.batch_id.in_(chunk))
                        .group_by(StockUpdateRow.batch_id, StockUpdateRow.state)):
                    counts[batch_id][state] = n
            for batch in batches:
                states = counts[batch.id]
                if any(state in states for state in OPEN_STATES):
                    continue
                failed, abandoned = states.get("failed", 0), states.get("abandoned", 0)
                batch.state = "done" if states.get("done") or not (failed or abandoned) else (
                    "failed" if failed else "abandoned")
                notes = [f"{n} {what}" for what, n in (("failed", failed),
                                                       ("abandoned", abandoned)) if n]
                batch.message = "; ".join(notes) or batch.message
                batch.updated_at = now
                closed += 1
        return closed

    def open_batches(self, target: Target) -> list[BatchRecord]:
        """Batches of the target not finished yet, with their open updates, oldest first."""
        with self.store.session() as s:
            batches = s.execute(select(StockBatchRow).where(
                StockBatchRow.platform == target.platform,
                StockBatchRow.account == target.account,
                StockBatchRow.state.in_(OPEN_STATES + ("uploaded",)))
                .order_by(StockBatchRow.id)).scalars().all()
            by_batch: dict[int, list[UpdateRecord]] = defaultdict(list)
            for chunk in _chunks([b.id for b in batches]):
                for u in s.execute(select(StockUpdateRow).where(
                        StockUpdateRow.batch_id.in_(chunk),
                        StockUpdateRow.state.in_(OPEN_STATES))
                        .order_by(StockUpdateRow.id)).scalars():
                    by_batch[u.batch_id].append(UpdateRecord(
                        u.id, u.batch_id, u.sku, u.offer_id, u.quantity, u.state, u.ref,
                        u.created_at))
            return [BatchRecord(b.id, b.method, b.state, b.document_id, b.remote_ref,
                                b.created_at, tuple(by_batch[b.id])) for b in batches]

    def known_refs(self, target: Target) -> set[str]:
        """Feed ids the target's batches already stand for."""
        with self.store.session() as s:
            return set(s.scalars(select(StockBatchRow.remote_ref).where(
                StockBatchRow.platform == target.platform,
                StockBatchRow.account == target.account,
                StockBatchRow.remote_ref.is_not(None))))

    # -- what was sent when and why (CLI, artifacts, tests) -------------------------------

    def history(self, *, platform: str | None = None, account: str | None = None,
                sku: str | None = None, since: datetime | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
        """The quantities sent, newest first: SKU, quantity, the inputs it came from, when,
        which request or feed and its outcome."""
        query = (select(StockUpdateRow, StockBatchRow.method, StockBatchRow.remote_ref)
                 .join(StockBatchRow, StockBatchRow.id == StockUpdateRow.batch_id)
                 .order_by(StockUpdateRow.id.desc()).limit(limit))
        conditions = []
        if platform:
            conditions.append(StockUpdateRow.platform == platform)
        if account:
            conditions.append(StockUpdateRow.account == account)
        if sku:
            conditions.append(StockUpdateRow.sku == sku)
        if since:
            conditions.append(StockUpdateRow.created_at >= since)
        if conditions:
            query = query.where(and_(*conditions))
        with self.store.session() as s:
            return [{
                "id": u.id, "marketplace": u.platform, "account": u.account, "sku": u.sku,
                "offer_id": u.offer_id, "quantity": u.quantity, "previous": u.previous,
                "webshop_stock": u.webshop_stock, "unimported": u.unimported,
                "reserved": u.reserved, "capped": u.capped, "state": u.state,
                "method": method, "request": u.ref or ref, "message": u.message,
                "at": u.created_at, "sent_at": u.sent_at, "finished_at": u.finished_at,
            } for u, method, ref in s.execute(query)]

    def update_states(self, target: Target | None = None) -> dict[str, int]:
        query = select(StockUpdateRow.state, func.count()).group_by(StockUpdateRow.state)
        if target is not None:
            query = query.where(StockUpdateRow.platform == target.platform,
                                StockUpdateRow.account == target.account)
        with self.store.session() as s:
            return dict(s.execute(query).all())
