"""The store side of the webshop order import: apply one planned page in one transaction
(with the backfill cursor), write-offs and their platform intents, and the read models.

A page applied twice, or by two runs at once (backfill + 5-minute sync), creates nothing
twice: orders, order lines, products (by their match keys), categories (by path), contacts
(by phone and e-mail) and skip records all have natural keys with unique constraints, written
with insert-or-ignore.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ordersync.orders import Quarantined
from ordersync.orders.shop import ShopProduct
from ordersync.shop_import.keys import all_keys, category_keys
from ordersync.shop_import.plan import (
    CustomerPlan,
    LinePlan,
    OrderPlan,
    PagePlan,
    unique_customers,
    unique_products,
)
from ordersync.store.records import address_to_json
from ordersync.store.repository import Store, _insert, unidentified_key
from ordersync.store.shop_tables import (
    BackfillRow,
    CategoryRow,
    ContactKeyRow,
    ContactRow,
    ProductKeyRow,
    ProductRow,
    ShopImportSkipRow,
    ShopOrderEventRow,
    ShopOrderLineRow,
    ShopOrderRow,
    ShopOrderWriteRow,
)

NOT_SPECIFIED = "not_specified"
WRITTEN_OFF = "written_off"
UNIT = "piece"

HUB_CREATED = "created by the hub for a marketplace order"


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the store needs to know about where a page came from and how to file it."""

    platform: str
    account: str
    initial_status: str
    status_sync: bool
    not_specified_customer: bool
    product_id_is_code: bool

    @property
    def source(self) -> str:
        return f"{self.platform}:{self.account}"


@dataclass(frozen=True, slots=True)
class BackfillMark:
    """Commit this backfill's cursor together with the page (resume point)."""

    connection: str
    key: str
    cursor: str | None  # after this page
    after: str | None = None  # the cursor this page was read from


@dataclass(frozen=True, slots=True)
class BackfillState:
    connection: str
    key: str
    since: datetime
    until: datetime | None
    cursor: str | None
    pages: int
    done: bool
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class ShopLineRecord:
    key: str
    product_id: int
    name: str
    sku: str | None
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class ShopOrderRecord:
    id: int
    platform: str
    account: str
    external_id: str
    number: str
    status: str
    platform_status: str
    currency: str
    total: Decimal
    contact_id: int
    placed_at: datetime
    written_off_at: datetime | None
    lines: tuple[ShopLineRecord, ...]


class ShopImportRepository:
    """Reads and writes of the webshop order import over a ``Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- read-only look-ups before a page is applied --------------------------------------

    def existing_orders(
        self, platform: str, account: str, ids: Collection[str]
    ) -> dict[str, bool]:
        """External id -> written off?, for the ids the hub has."""
        if not ids:
            return {}
        with self.store.session() as s:
            rows = s.execute(select(ShopOrderRow.external_id, ShopOrderRow.written_off_at).where(
                ShopOrderRow.platform == platform, ShopOrderRow.account == account,
                ShopOrderRow.external_id.in_(list(ids))))
            return {ext: off is not None for ext, off in rows}

    def known_product_keys(self, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        with self.store.session() as s:
            return set(s.scalars(select(ProductKeyRow.key).where(
                ProductKeyRow.key.in_(list(keys)))))

    # ---- apply one page -----------------------------------------------------------------

    def apply_page(
        self,
        plan: PagePlan,
        ctx: PageContext,
        *,
        products: Mapping[str, ShopProduct],
        now: datetime,
        mark: BackfillMark | None = None,
    ) -> Counter[str]:
        """Store one page in one transaction; with ``mark``, the backfill's cursor and
        running counts are committed in the same transaction."""
        counts: Counter[str] = Counter()
        self._created_products: set[int] = set()
        self._created_contacts: set[int] = set()
        with self.store.session() as s:
            existing = self._lock_existing(s, ctx, [p.order.id for p in plan.orders])
            survivors: list[OrderPlan] = []
            for p in plan.orders:
                row = existing.get(p.order.id)
                if row is None and p.hub_created:
                    counts[f"skipped:{HUB_CREATED}"] += 1
                elif row is None and p.finished:
                    counts["skipped:finished status"] += 1
                elif row is None and p.problems:
                    counts[f"skipped:{p.problems[0]}"] += 1
                    self._skip(s, ctx, p.order.id, "skipped", p.problems[0],
                               "; ".join(p.problems), None, now)
                elif row is not None and row.written_off_at is not None:
                    counts["unchanged:written off"] += 1
                else:
                    survivors.append(p)
            # Keys are written in one global order (sorted), so two runs applying overlapping
            # pages at once (backfill + 5-minute sync) wait for each other, never deadlock.
            lines = sorted(unique_products(survivors), key=lambda ln: ln.product_key)
            product_ids = self._products(s, ctx, lines, products, now, counts)
            new = [p for p in survivors if p.order.id not in existing]
            customers = sorted(unique_customers(new),  # with a phone first: matched by it
                               key=lambda c: (c.phone_key is None, c.phone_key or "",
                                              c.email_key or ""))
            contacts = self._contacts(s, customers, now, counts)
            ordered = sorted(survivors, key=lambda p: p.order.id)
            fresh = [p for p in ordered if p.order.id not in existing]
            inserted = self._insert_orders(s, ctx, fresh, contacts, product_ids, now)
            for p in ordered:
                if p.order.id in inserted:
                    counts["imported"] += 1
                    self._count_matches(counts, p, inserted[p.order.id], product_ids)
                    continue
                row = existing.get(p.order.id)
                if row is None:  # inserted by a concurrent run meanwhile
                    row = self._lock_existing(s, ctx, [p.order.id])[p.order.id]
                    if row.written_off_at is not None:
                        counts["unchanged:written off"] += 1
                        continue
                counts["updated" if self._update_order(s, ctx, row, p, product_ids, now)
                       else "unchanged"] += 1
            for bad in plan.rejected:
                counts[f"rejected:{bad.reason}"] += 1
                self._reject(s, ctx, bad, now)
            if mark is not None:
                self._advance_backfill(s, mark, counts, now)
        return counts

    def _count_matches(self, counts: Counter[str], p: OrderPlan, contact: int,
                       products: Mapping[str, int]) -> None:
        """An imported order's customer and lines that reuse what the hub had (or what an
        earlier order of the run created) count as matched."""
        if p.customer is None:
            counts["customers:not specified"] += 1
        elif contact in self._created_contacts:
            self._created_contacts.discard(contact)  # the order that created it
        else:
            counts["customers:matched"] += 1
        for line in p.lines:
            product = products[line.product_key]
            if product in self._created_products:
                self._created_products.discard(product)
            else:
                counts["products:matched"] += 1

    def _lock_existing(
        self, s: Session, ctx: PageContext, ids: list[str]
    ) -> dict[str, ShopOrderRow]:
        if not ids:
            return {}
        rows = s.scalars(select(ShopOrderRow).where(
            ShopOrderRow.platform == ctx.platform, ShopOrderRow.account == ctx.account,
            ShopOrderRow.external_id.in_(ids)).order_by(ShopOrderRow.id).with_for_update())
        return {r.external_id: r for r in rows}

    # -- catalog

    def _category(self, s: Session, path: tuple[str, ...]) -> int | None:
        parent_id: int | None = None
        for key, name, _parent in category_keys(path):
            s.execute(_insert(self.store.dialect)(CategoryRow)
                      .values(key=key, name=name, parent_id=parent_id)
                      .on_conflict_do_nothing(index_elements=["key"]))
            parent_id = s.scalar(select(CategoryRow.id).where(CategoryRow.key == key))
        return parent_id

    def _products(
        self,
        s: Session,
        ctx: PageContext,
        lines: list[LinePlan],
        details: Mapping[str, ShopProduct],
        now: datetime,
        counts: Counter[str],
    ) -> dict[str, int]:
        """Catalog product id per match key; new products created with all their keys."""
        if not lines:
            return {}
        found = dict(s.execute(select(ProductKeyRow.key, ProductKeyRow.product_id).where(
            ProductKeyRow.key.in_([ln.product_key for ln in lines]))).all())
        insert = _insert(self.store.dialect)
        for line in lines:
            if line.product_key in found:
                continue
            product = details.get(line.product_id or "")
            category = self._category(s, product.category) if product else None
            new_id = s.scalar(insert(ProductRow).values(
                name=(product.name if product else line.name) or line.name,
                description=product.description if product else None,
                sku=(product.sku if product and product.sku else line.sku),
                code=line.product_id if ctx.product_id_is_code else None,
                unit=UNIT, category_id=category, source=ctx.source, created_at=now,
            ).returning(ProductRow.id))
            claimed = s.scalar(insert(ProductKeyRow).values(key=line.product_key,
                                                            product_id=new_id)
                               .on_conflict_do_nothing(index_elements=["key"])
                               .returning(ProductKeyRow.product_id))
            if claimed is None:  # another run created it meanwhile: use theirs
                s.execute(delete(ProductRow).where(ProductRow.id == new_id))
                found[line.product_key] = s.scalar(select(ProductKeyRow.product_id).where(
                    ProductKeyRow.key == line.product_key))
                continue
            found[line.product_key] = new_id
            self._created_products.add(new_id)
            counts["products:created"] += 1
            other = [k for k in all_keys(source=ctx.source,
                                         product_id=line.product_id if ctx.product_id_is_code
                                         else None, sku=line.sku, name=line.name)
                     if k != line.product_key]
            if other:
                s.execute(insert(ProductKeyRow).values(
                    [{"key": k, "product_id": new_id} for k in other])
                    .on_conflict_do_nothing(index_elements=["key"]))
        return found

    # -- contacts

    def _not_specified(self, s: Session, now: datetime) -> int:
        s.execute(_insert(self.store.dialect)(ContactRow).values(
            first_name="not specified", special=NOT_SPECIFIED, created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["special"]))
        return s.scalar(select(ContactRow.id).where(ContactRow.special == NOT_SPECIFIED))

    def _contacts(
        self, s: Session, customers: list[CustomerPlan], now: datetime, counts: Counter[str]
    ) -> dict[tuple[str | None, str | None], int]:
        """Contact id per (phone key, e-mail key): matched by phone, then e-mail; a match
        learns the order's other phone / e-mail, so it is found by those next time."""
        if not customers:
            return {}
        wanted = [k for c in customers for k in _contact_keys(c) if k]
        found: dict[str, int] = dict(s.execute(select(
            ContactKeyRow.key, ContactKeyRow.contact_id).where(
            ContactKeyRow.key.in_(wanted))).all())
        insert = _insert(self.store.dialect)
        out: dict[tuple[str | None, str | None], int] = {}
        for c in customers:
            phone, email = _contact_keys(c)
            contact = found.get(phone or "") or found.get(email or "")
            if contact is None:
                contact = s.scalar(insert(ContactRow).values(
                    first_name=c.first_name, last_name=c.last_name, phone=c.phone,
                    email=c.email, address=address_to_json(c.address), created_at=now,
                    updated_at=now).returning(ContactRow.id))
                first = phone or email
                if first is not None:
                    claimed = s.scalar(insert(ContactKeyRow).values(key=first,
                                                                    contact_id=contact)
                                       .on_conflict_do_nothing(index_elements=["key"])
                                       .returning(ContactKeyRow.contact_id))
                    if claimed is None:  # created by a concurrent run meanwhile
                        s.execute(delete(ContactRow).where(ContactRow.id == contact))
                        contact = s.scalar(select(ContactKeyRow.contact_id).where(
                            ContactKeyRow.key == first))
                    else:
                        counts["customers:created"] += 1
                        self._created_contacts.add(contact)
                    found[first] = contact
                else:
                    counts["customers:created"] += 1
                    self._created_contacts.add(contact)
            elif c.address is not None:
                row = s.get_one(ContactRow, contact)
                if row.address is None:
                    row.address, row.updated_at = address_to_json(c.address), now
            for key in (phone, email):
                if key is not None and key not in found:
                    s.execute(insert(ContactKeyRow).values(key=key, contact_id=contact)
                              .on_conflict_do_nothing(index_elements=["key"]))
                    found[key] = contact
            out[(c.phone_key, c.email_key)] = contact
        return out

    # -- orders

    def _insert_orders(
        self, s: Session, ctx: PageContext, plans: list[OrderPlan],
        contacts: Mapping[tuple[str | None, str | None], int], products: Mapping[str, int],
        now: datetime,
    ) -> dict[str, int]:
        """Insert-or-ignore the page's new orders in one statement, then their lines and
        events in bulk; returns external id -> contact id of the orders inserted here."""
        if not plans:
            return {}
        nobody = self._not_specified(s, now) if any(p.customer is None for p in plans) \
            else None
        contact_of = {p.order.id: (contacts[(p.customer.phone_key, p.customer.email_key)]
                                   if p.customer is not None else nobody) for p in plans}
        status_of = {p.order.id: p.order.status if ctx.status_sync else ctx.initial_status
                     for p in plans}
        rows = [{
            "platform": ctx.platform, "account": ctx.account, "external_id": p.order.id,
            "number": p.order.number, "placed_at": p.order.created_at,
            "platform_status": p.order.status, "status": status_of[p.order.id],
            "currency": p.order.currency.upper(), "total": p.order.total,
            "contact_id": contact_of[p.order.id],
            "shipping_address": address_to_json(p.order.shipping_address),
            "delivery_fingerprint": p.delivery.fingerprint if p.delivery else None,
            "platform_updated_at": p.order.updated_at, "created_at": now, "updated_at": now,
        } for p in plans]
        ids = dict(s.execute(
            _insert(self.store.dialect)(ShopOrderRow).values(rows)
            .on_conflict_do_nothing(index_elements=["platform", "account", "external_id"])
            .returning(ShopOrderRow.external_id, ShopOrderRow.id)).all())
        lines, events = [], []
        for p in plans:
            order_id = ids.get(p.order.id)
            if order_id is None:
                continue
            lines.extend({"order_id": order_id, "line_key": ln.key,
                          "product_id": products[ln.product_key], "name": ln.name,
                          "sku": ln.sku, "quantity": ln.quantity, "price": ln.price}
                         for ln in p.lines)
            events.append({"order_id": order_id, "at": now, "level": "info",
                           "kind": "imported", "data": None,
                           "message": f"imported from {ctx.platform} order {p.order.number} "
                                      f"as {status_of[p.order.id]}"})
            if p.delivery is not None:
                events.append({"order_id": order_id, "at": now, "level": "info",
                               "kind": "comment", "message": p.delivery.comment,
                               "data": {"fingerprint": p.delivery.fingerprint}})
        if lines:
            s.execute(insert(ShopOrderLineRow), lines)
        if events:
            s.execute(insert(ShopOrderEventRow), events)
        return {ext: contact_of[ext] for ext in ids}

    def _update_order(
        self, s: Session, ctx: PageContext, row: ShopOrderRow, p: OrderPlan,
        products: Mapping[str, int], now: datetime,
    ) -> bool:
        """Quantity changes, the status (where synced) and delivery details; True if any."""
        changed = False
        lines = {ln.line_key: ln for ln in s.scalars(
            select(ShopOrderLineRow).where(ShopOrderLineRow.order_id == row.id))}
        wanted = {ln.key: ln for ln in p.lines}
        for key, line in wanted.items():
            have = lines.get(key)
            if have is None:
                s.add(ShopOrderLineRow(order_id=row.id, line_key=key,
                                       product_id=products[line.product_key], name=line.name,
                                       sku=line.sku, quantity=line.quantity, price=line.price))
                _event(s, row.id, now, "info", "quantity",
                       f"{line.name}: added on {ctx.platform} with quantity {line.quantity}")
                changed = True
            elif have.quantity != line.quantity:
                _event(s, row.id, now, "info", "quantity",
                       f"{line.name}: quantity {have.quantity} -> {line.quantity} "
                       f"(changed on {ctx.platform})")
                have.quantity, changed = line.quantity, True
        for key, have in lines.items():
            if key not in wanted and have.quantity != 0:
                _event(s, row.id, now, "info", "quantity",
                       f"{have.name}: removed on {ctx.platform} (quantity {have.quantity} -> 0)")
                have.quantity, changed = 0, True
        o = p.order
        if o.status != row.platform_status:
            if ctx.status_sync:
                _event(s, row.id, now, "info", "status",
                       f"status {row.status} -> {o.status} (synced from {ctx.platform})")
                row.status = o.status
            row.platform_status, changed = o.status, True
        if p.delivery is not None and p.delivery.fingerprint != row.delivery_fingerprint:
            _event(s, row.id, now, "info", "comment", p.delivery.comment,
                   {"fingerprint": p.delivery.fingerprint})
            row.delivery_fingerprint, changed = p.delivery.fingerprint, True
        if changed:
            row.total = o.total
            row.shipping_address = address_to_json(o.shipping_address)
            row.platform_updated_at, row.updated_at = o.updated_at, now
        return changed

    # -- skipped and rejected

    def _skip(self, s: Session, ctx: PageContext, external_id: str, kind: str, reason: str,
              message: str, raw: dict[str, Any] | None, now: datetime) -> None:
        insert = _insert(self.store.dialect)(ShopImportSkipRow).values(
            platform=ctx.platform, account=ctx.account, external_id=external_id, kind=kind,
            reason=reason, message=message, raw=raw, seen=1, first_seen=now, last_seen=now)
        s.execute(insert.on_conflict_do_update(
            index_elements=["platform", "account", "external_id"],
            set_={"kind": kind, "reason": reason, "message": message,
                  "seen": ShopImportSkipRow.seen + 1, "last_seen": now}))

    def _reject(self, s: Session, ctx: PageContext, bad: Quarantined, now: datetime) -> None:
        key = bad.external_id or unidentified_key(bad.raw)
        self._skip(s, ctx, key, "rejected", str(bad.reason), bad.message, dict(bad.raw), now)

    # ---- backfill progress ----------------------------------------------------------------

    def backfill(self, connection: str, key: str) -> BackfillState | None:
        with self.store.session() as s:
            row = s.get(BackfillRow, (connection, key))
            return _backfill_state(row) if row else None

    def start_backfill(self, connection: str, key: str, *, since: datetime,
                       until: datetime | None, now: datetime) -> BackfillState:
        """Resume the unfinished backfill with this key, or (re)start it from the top."""
        with self.store.session() as s:
            s.execute(_insert(self.store.dialect)(BackfillRow).values(
                connection=connection, key=key, since=since, until=until, cursor=None,
                pages=0, done=True, counts={}, started_at=now, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["connection", "key"]))
            row = s.get_one(BackfillRow, (connection, key), with_for_update=True,
                            populate_existing=True)
            if not row.done:
                return _backfill_state(row)
            row.since, row.until, row.cursor, row.pages, row.done = since, until, None, 0, False
            row.counts, row.started_at, row.updated_at = {}, now, now
            s.flush()
            return _backfill_state(row)

    def _advance_backfill(self, s: Session, mark: BackfillMark, counts: Counter[str],
                          now: datetime) -> None:
        row = s.get_one(BackfillRow, (mark.connection, mark.key), with_for_update=True,
                        populate_existing=True)
        if row.done or row.cursor != mark.after:
            return  # a concurrent run with the same parameters owns the progress
        total = Counter(row.counts)
        total.update(counts)
        row.counts, row.cursor, row.pages = dict(total), mark.cursor, row.pages + 1
        row.done, row.updated_at = mark.cursor is None, now

    def finish_backfill(self, connection: str, key: str, now: datetime) -> BackfillState:
        with self.store.session() as s:
            row = s.get_one(BackfillRow, (connection, key))
            row.done, row.cursor, row.updated_at = True, None, now
            return _backfill_state(row)

    # ---- write-off and its platform intent -------------------------------------------------

    def write_off(self, order_id: int, *, now: datetime, action: str | None) -> bool:
        """Mark the order's products written off (platform changes stop being synced) and,
        with ``action``, record the platform write as a pending intent, all in one
        transaction. False when it was written off already."""
        with self.store.session() as s:
            row = s.scalars(select(ShopOrderRow).where(ShopOrderRow.id == order_id)
                            .with_for_update()).one()
            if row.written_off_at is not None:
                return False
            row.written_off_at, row.status, row.updated_at = now, WRITTEN_OFF, now
            _event(s, order_id, now, "info", "written_off",
                   "products written off; platform changes are no longer synced")
            if action:
                s.execute(_insert(self.store.dialect)(ShopOrderWriteRow).values(
                    order_id=order_id, action=action, state="pending", attempts=0,
                    created_at=now, updated_at=now,
                ).on_conflict_do_nothing(index_elements=["order_id", "action"]))
            return True

    def claim_writes(self, action: str, platform: str, account: str, *, owner: str,
                     now: datetime, lease: timedelta, limit: int = 200
                     ) -> list[tuple[int, str, int]]:
        """Claim pending intents nobody holds: (order id, external id, attempts incl. this)."""
        with self.store.session() as s:
            ids = list(s.scalars(
                select(ShopOrderWriteRow.id).join(
                    ShopOrderRow, ShopOrderRow.id == ShopOrderWriteRow.order_id)
                .where(ShopOrderWriteRow.action == action, ShopOrderWriteRow.state == "pending",
                       ShopOrderRow.platform == platform, ShopOrderRow.account == account,
                       or_(ShopOrderWriteRow.owner.is_(None),
                           ShopOrderWriteRow.lease_until < now))
                .order_by(ShopOrderWriteRow.id).limit(limit)))
            if not ids:
                return []
            s.execute(update(ShopOrderWriteRow).where(
                ShopOrderWriteRow.id.in_(ids), ShopOrderWriteRow.state == "pending",
                or_(ShopOrderWriteRow.owner.is_(None), ShopOrderWriteRow.lease_until < now),
            ).values(owner=owner, lease_until=now + lease,
                     attempts=ShopOrderWriteRow.attempts + 1, updated_at=now)
                .execution_options(synchronize_session=False))
            rows = s.execute(select(ShopOrderWriteRow.order_id, ShopOrderRow.external_id,
                                    ShopOrderWriteRow.attempts)
                             .join(ShopOrderRow, ShopOrderRow.id == ShopOrderWriteRow.order_id)
                             .where(ShopOrderWriteRow.id.in_(ids),
                                    ShopOrderWriteRow.owner == owner))
            return [(oid, ext, attempts) for oid, ext, attempts in rows]

    def finish_write(self, order_id: int, action: str, *, state: str, now: datetime,
                     message: str, error: str | None = None) -> None:
        """``done`` or ``failed`` (kept), or ``pending`` (released for the next run)."""
        with self.store.session() as s:
            s.execute(update(ShopOrderWriteRow).where(
                ShopOrderWriteRow.order_id == order_id, ShopOrderWriteRow.action == action,
            ).values(state=state, owner=None, lease_until=None, updated_at=now,
                     last_error=error[:2000] if error else None))
            level = {"done": "info", "failed": "error"}.get(state, "warning")
            _event(s, order_id, now, level, action, message)

    def write_states(self, action: str) -> dict[str, int]:
        with self.store.session() as s:
            return dict(s.execute(select(ShopOrderWriteRow.state, func.count())
                                  .where(ShopOrderWriteRow.action == action)
                                  .group_by(ShopOrderWriteRow.state)).all())

    # ---- queries --------------------------------------------------------------------------

    def find(self, platform: str, account: str | None, number_or_id: str
             ) -> ShopOrderRecord | None:
        """By order number (or the platform's id); ``account`` None = any account."""
        with self.store.session() as s:
            query = select(ShopOrderRow).where(
                ShopOrderRow.platform == platform,
                or_(ShopOrderRow.number == number_or_id,
                    ShopOrderRow.number == f"#{number_or_id.lstrip('#')}",
                    ShopOrderRow.external_id == number_or_id))
            if account is not None:
                query = query.where(ShopOrderRow.account == account)
            rows = list(s.scalars(query.order_by(ShopOrderRow.id)))
            if len(rows) > 1:
                raise ValueError(f"{len(rows)} {platform} orders match {number_or_id!r}: "
                                 f"give --connection to pick the shop")
            return _order_record(s, rows[0]) if rows else None

    def get(self, order_id: int) -> ShopOrderRecord:
        with self.store.session() as s:
            return _order_record(s, s.get_one(ShopOrderRow, order_id))

    def list_orders(self, platform: str | None = None, limit: int = 50
                    ) -> list[ShopOrderRecord]:
        with self.store.session() as s:
            query = select(ShopOrderRow).order_by(ShopOrderRow.id.desc()).limit(limit)
            if platform:
                query = query.where(ShopOrderRow.platform == platform)
            return [_order_record(s, r) for r in s.scalars(query)]

    def events(self, order_id: int) -> list[dict[str, Any]]:
        with self.store.session() as s:
            rows = s.scalars(select(ShopOrderEventRow).where(
                ShopOrderEventRow.order_id == order_id).order_by(ShopOrderEventRow.id))
            return [{"at": r.at, "level": r.level, "kind": r.kind, "message": r.message}
                    for r in rows]

    def skips(self, platform: str | None = None) -> list[dict[str, Any]]:
        with self.store.session() as s:
            query = select(ShopImportSkipRow).order_by(ShopImportSkipRow.id)
            if platform:
                query = query.where(ShopImportSkipRow.platform == platform)
            return [{"external_id": r.external_id, "kind": r.kind, "reason": r.reason,
                     "message": r.message, "seen": r.seen} for r in s.scalars(query)]

    def totals(self) -> dict[str, int]:
        """Row counts of the import's tables (overview, tests, benchmark)."""
        with self.store.session() as s:
            return {name: s.scalar(select(func.count()).select_from(table)) or 0
                    for name, table in (("orders", ShopOrderRow), ("lines", ShopOrderLineRow),
                                        ("products", ProductRow), ("contacts", ContactRow),
                                        ("categories", CategoryRow),
                                        ("events", ShopOrderEventRow),
                                        ("skips", ShopImportSkipRow))}


def _contact_keys(c: CustomerPlan) -> tuple[str | None, str | None]:
    return (f"phone:{c.phone_key}" if c.phone_key else None,
            f"email:{c.email_key}" if c.email_key else None)


def _event(s: Session, order_id: int, now: datetime, level: str, kind: str, message: str,
           data: dict[str, Any] | None = None) -> None:
    s.add(ShopOrderEventRow(order_id=order_id, at=now, level=level, kind=kind,
                            message=message, data=data))


def _backfill_state(row: BackfillRow) -> BackfillState:
    return BackfillState(connection=row.connection, key=row.key, since=row.since,
                         until=row.until, cursor=row.cursor, pages=row.pages, done=row.done,
                         counts=dict(row.counts or {}))


def _order_record(s: Session, row: ShopOrderRow) -> ShopOrderRecord:
    lines = s.scalars(select(ShopOrderLineRow).where(ShopOrderLineRow.order_id == row.id)
                      .order_by(ShopOrderLineRow.id))
    return ShopOrderRecord(
        id=row.id, platform=row.platform, account=row.account, external_id=row.external_id,
        number=row.number, status=row.status, platform_status=row.platform_status,
        currency=row.currency, total=row.total, contact_id=row.contact_id,
        placed_at=row.placed_at, written_off_at=row.written_off_at,
        lines=tuple(ShopLineRecord(ln.line_key, ln.product_id, ln.name, ln.sku, ln.quantity,
                                   ln.price) for ln in lines))
