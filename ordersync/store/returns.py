"""The store side of returns: imported returns linked to their orders, the claim and intent
of each remote write (webshop registration, marketplace handling), and the orders' returned
status. Each method is one transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import null, or_, select, update
from sqlalchemy.orm import Session

from ordersync.orders import OrderLine, OrderStatus, can_transition
from ordersync.orders.limits import clean_json
from ordersync.orders.returns import (
    MarketplaceReturn,
    ReturnLine,
    ReturnsPage,
    match_line,
    returned_summary,
)
from ordersync.store.repository import Store, _event, _insert, unidentified_key
from ordersync.store.return_tables import ReturnRow
from ordersync.store.tables import OrderRow

PENDING, SUBMITTED, ACCEPTED, DONE, FAILED, SKIPPED = (
    "pending", "submitted", "accepted", "done", "failed", "skipped")
WEBSHOP, MARKETPLACE = "webshop", "marketplace"
UNKNOWN_ORDER = "unknown_order"
LINK_WINDOW = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class ReturnClaim:
    """A claimed return: what the writes need."""

    id: int
    rma_id: str
    return_id: str
    order_id: int
    external_id: str
    quantity: int
    state: str  # of the claimed phase: pending | submitted | accepted
    ref: str | None
    webshop_id: str | None
    currency: str | None
    line: ReturnLine | None
    title: str | None
    reason: str | None


@dataclass
class SaveOutcome:
    new: int = 0
    unknown_order: int = 0
    quarantined: int = 0
    orders: set[int] | None = None


class ReturnStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- import ---------------------------------------------------------------------------

    def save(self, page: ReturnsPage, platform: str, account: str, now: datetime) -> SaveOutcome:
        """Insert the page's new returns (known RMA ids are left alone), linked to their
        orders; quarantined items kept with the reason. One transaction."""
        out = SaveOutcome(orders=set())
        with self.store.session() as s:
            known = dict(s.execute(select(ReturnRow.rma_id, ReturnRow.quantity == 0).where(
                ReturnRow.platform == platform, ReturnRow.account == account,
                ReturnRow.rma_id.in_([r.rma_id for r in page.returns]))).all())
            for ret in page.returns:
                if known.get(ret.rma_id) is False:
                    continue  # imported before (only a quarantined one, quantity 0, is read
                    # again)
                values = self._values(s, ret, now)
                if self._insert(s, platform, account, ret.rma_id, values) \
                        or self._repair(s, platform, account, ret.rma_id, values):
                    out.new += 1
                    row = self._row(s, platform, account, ret.rma_id)
                    if row.order_id is None:
                        out.unknown_order += 1
                    else:
                        out.orders.add(row.order_id)  # type: ignore[union-attr]
                        self._imported_event(s, row, now)
            for bad in page.rejected:
                rma = bad.external_id or unidentified_key(dict(bad.raw))
                values = {"quantity": 0, "problem": f"{bad.reason}: {bad.message}"[:2000],
                          "raw": clean_json(dict(bad.raw)), "webshop_state": FAILED,
                          "marketplace_state": FAILED}
                if self._insert(s, platform, account, rma, self._base(values, now)):
                    out.quarantined += 1
        return out

    def _insert(self, s: Session, platform: str, account: str, rma: str,
                values: dict[str, Any]) -> bool:
        result = s.execute(
            _insert(self.store.dialect)(ReturnRow)
            .values(platform=platform, account=account, rma_id=rma, **values)
            .on_conflict_do_nothing(index_elements=["platform", "account", "rma_id"])
            .returning(ReturnRow.id))
        return result.first() is not None

    def _repair(self, s: Session, platform: str, account: str, rma: str,
                values: dict[str, Any]) -> bool:
        """A quarantined item that reads well now takes the place of its quarantine row."""
        row = s.execute(select(ReturnRow).where(
            ReturnRow.platform == platform, ReturnRow.account == account,
            ReturnRow.rma_id == rma, ReturnRow.quantity == 0).with_for_update()
        ).scalar_one_or_none()  # quantity 0: a quarantined item (a return has at least 1)
        if row is None:
            return False
        for key, value in {**values, "created_at": row.created_at}.items():
            setattr(row, key, value)
        row.problem, row.raw = values.get("problem"), null()  # SQL NULL, not JSON null
        s.flush()
        return True

    @staticmethod
    def _base(values: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {"attempts": 0, "created_at": now, "updated_at": now, **values}

    def _values(self, s: Session, ret: MarketplaceReturn, now: datetime) -> dict[str, Any]:
        order = s.execute(select(OrderRow).where(
            OrderRow.platform == ret.platform, OrderRow.account == ret.account,
            OrderRow.external_id == ret.order_id)).scalar_one_or_none()
        values: dict[str, Any] = {
            "return_id": ret.return_id, "external_id": ret.order_id, "ean": ret.ean,
            "quantity": ret.quantity, "reason": ret.reason_text or None,
            "registered_at": ret.registered_at, "webshop_state": PENDING,
            "marketplace_state": PENDING, "line_id": ret.line_id,
        }
        if ret.handled:  # handled on the marketplace before the hub saw it: the merchant
            values.update(webshop_state=SKIPPED, marketplace_state=DONE,  # dealt with it
                          marketplace_ref=(ret.handling_result or "handled")[:128])
        if order is None:
            values["problem"] = (f"{UNKNOWN_ORDER}: {ret.platform} order {ret.order_id} is not "
                                 "in the hub; kept, and linked when the order arrives")
            return self._base(values, now)
        values.update(self._link(order, ret))
        return self._base(values, now)

    @staticmethod
    def _link(order: OrderRow, ret: MarketplaceReturn) -> dict[str, Any]:
        lines = [_line(x) for x in order.lines]
        found = match_line(lines, line_id=ret.line_id, ean=ret.ean)
        return {"order_id": order.id, "line_id": found[1].line_id if found else ret.line_id,
                "problem": None}

    def _row(self, s: Session, platform: str, account: str, rma: str) -> ReturnRow:
        return s.execute(select(ReturnRow).where(
            ReturnRow.platform == platform, ReturnRow.account == account,
            ReturnRow.rma_id == rma)).scalar_one()

    @staticmethod
    def _imported_event(s: Session, row: ReturnRow, now: datetime) -> None:
        handled = " (already handled there: not written to the webshop)" \
            if row.webshop_state == SKIPPED else ""
        _event(s, row.order_id, now, "info", "return_imported",  # type: ignore[arg-type]
               f"return {row.return_id} (RMA {row.rma_id}) imported from {row.platform}: "
               f"{row.quantity} x line {row.line_id or row.ean or '?'}; reason: "
               f"{row.reason or 'not given'}{handled}",
               {"rma_id": row.rma_id, "return_id": row.return_id, "line_id": row.line_id,
                "quantity": row.quantity})

    def known(self, platform: str, account: str, rma_ids: Collection[str]) -> set[str]:
        if not rma_ids:
            return set()
        with self.store.session() as s:
            return set(s.scalars(select(ReturnRow.rma_id).where(
                ReturnRow.platform == platform, ReturnRow.account == account,
                ReturnRow.rma_id.in_(list(rma_ids)))))

    def link_unknown(self, platform: str, account: str, now: datetime,
                     window: timedelta = LINK_WINDOW) -> set[int]:
        """Link returns of orders the hub did not have when they came (it may have them now),
        for ``window``: an order that did not come by then was never the hub's (sold before
        it, or handled elsewhere), and looking again every cycle would cost more with history.
        The orders linked."""
        linked: set[int] = set()
        with self.store.session() as s:
            rows = s.scalars(select(ReturnRow).where(
                ReturnRow.platform == platform, ReturnRow.account == account,
                ReturnRow.order_id.is_(None), ReturnRow.problem.like(f"{UNKNOWN_ORDER}:%"),
                ReturnRow.created_at >= now - window).with_for_update()).all()
            for row in rows:
                order = s.execute(select(OrderRow).where(
                    OrderRow.platform == platform, OrderRow.account == account,
                    OrderRow.external_id == row.external_id)).scalar_one_or_none()
                if order is None:
                    continue
                lines = [_line(x) for x in order.lines]
                found = match_line(lines, line_id=row.line_id, ean=row.ean)
                row.order_id, row.problem, row.updated_at = order.id, None, now
                row.line_id = found[1].line_id if found else row.line_id
                s.flush()
                self._imported_event(s, row, now)
                linked.add(order.id)
        return linked

    # -- status -----------------------------------------------------------------------

    def unmarked(self, platform: str, account: str) -> set[int]:
        """Shipped orders with linked returns that are not ``returned`` yet (their shipment
        was not confirmed in the hub when the return came)."""
        with self.store.session() as s:
            return set(s.scalars(select(OrderRow.id).join(
                ReturnRow, ReturnRow.order_id == OrderRow.id).where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderRow.status == str(OrderStatus.SHIPPED),
                OrderRow.marketplace_confirmed_at.is_not(None),
                ReturnRow.problem.is_(None)).distinct()))

    def apply_status(self, order_ids: Collection[int], now: datetime,
                     announce: bool = True) -> int:
        """Orders with returned items become ``returned`` (fully or partially: the event says
        how much came back). Only orders the marketplace knows as shipped (else a warning
        when ``announce``); the number moved."""
        moved = 0
        with self.store.session() as s:
            for order_id in order_ids:
                order = s.execute(select(OrderRow).where(OrderRow.id == order_id)
                                  .with_for_update()).scalar_one()
                ordered = {x.line_id: x.quantity for x in order.lines}
                back = self._returned(s, order_id)
                full, summary = returned_summary(ordered, back)
                current = OrderStatus(order.status)
                if current == OrderStatus.RETURNED:
                    continue
                if not can_transition(current, OrderStatus.RETURNED) or (
                        current == OrderStatus.SHIPPED and order.marketplace_confirmed_at is None):
                    if announce:
                        _event(s, order_id, now, "warning", "return_status",
                               f"{summary}; the order stays {current} (not shipped and "
                               "confirmed in the hub yet)")
                    continue
                order.status, order.updated_at = str(OrderStatus.RETURNED), now
                _event(s, order_id, now, "info", "returned",
                       f"{'fully' if full else 'partially'} returned: {summary}",
                       {"returned": back, "full": full})
                moved += 1
        return moved

    @staticmethod
    def _returned(s: Session, order_id: int) -> dict[str, int]:
        back: dict[str, int] = {}
        for line_id, quantity in s.execute(select(ReturnRow.line_id, ReturnRow.quantity).where(
                ReturnRow.order_id == order_id, ReturnRow.problem.is_(None))):
            back[line_id or ""] = back.get(line_id or "", 0) + quantity
        return back

    def returned_quantities(self, order_id: int) -> dict[str, int]:
        """Per order line (marketplace line id): how many units were returned."""
        with self.store.session() as s:
            return self._returned(s, order_id)

    # -- claims and intents -----------------------------------------------------------

    def claim(self, platform: str, account: str, phase: str, *, owner: str, now: datetime,
              lease: timedelta, limit: int = 200) -> list[ReturnClaim]:
        """Claim returns whose ``phase`` write is due and that nobody holds: for the webshop,
        linked returns whose order is in the webshop; for the marketplace, returns the
        webshop has (or that need nothing there). Committed before any remote call."""
        state = ReturnRow.webshop_state if phase == WEBSHOP else ReturnRow.marketplace_state
        due = [PENDING, SUBMITTED] + ([ACCEPTED] if phase == MARKETPLACE else [])
        query = (select(ReturnRow.id).join(OrderRow, OrderRow.id == ReturnRow.order_id)
                 .where(ReturnRow.platform == platform, ReturnRow.account == account,
                        ReturnRow.problem.is_(None), state.in_(due),
                        or_(ReturnRow.owner.is_(None), ReturnRow.lease_until < now))
                 .order_by(ReturnRow.id).limit(limit))
        if phase == WEBSHOP:
            query = query.where(OrderRow.webshop_order_id.is_not(None))
        else:
            query = query.where(ReturnRow.webshop_state.in_((DONE, SKIPPED)))
        with self.store.session() as s:
            ids = list(s.scalars(query))
            if not ids:
                return []
            s.execute(update(ReturnRow).where(
                ReturnRow.id.in_(ids), or_(ReturnRow.owner.is_(None),
                                           ReturnRow.lease_until < now))
                .values(owner=owner, lease_until=now + lease, attempts=ReturnRow.attempts + 1,
                        updated_at=now).execution_options(synchronize_session=False))
            rows = s.execute(select(ReturnRow, OrderRow).join(
                OrderRow, OrderRow.id == ReturnRow.order_id).where(
                ReturnRow.id.in_(ids), ReturnRow.owner == owner)).all()
            return [self._claim(row, order, phase) for row, order in rows]

    @staticmethod
    def _claim(row: ReturnRow, order: OrderRow, phase: str) -> ReturnClaim:
        lines = [_line(x) for x in order.lines]
        found = match_line(lines, line_id=row.line_id, ean=row.ean)
        line = None
        if found is not None:
            index, hit = found
            line = ReturnLine(hit.line_id, row.quantity, hit.unit_price, hit.sku, index)
        return ReturnClaim(
            id=row.id, rma_id=row.rma_id, return_id=row.return_id or "",
            order_id=order.id, external_id=order.external_id, quantity=row.quantity,
            state=row.webshop_state if phase == WEBSHOP else row.marketplace_state,
            ref=row.webshop_ref if phase == WEBSHOP else row.marketplace_ref,
            webshop_id=order.webshop_order_id, currency=order.currency, line=line,
            title=found[1].title if found else None, reason=row.reason)

    def _update(self, return_id: int, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(ReturnRow).where(ReturnRow.id == return_id).values(**values))

    def begin(self, return_id: int, phase: str, now: datetime) -> None:
        """The intent: committed before the remote write (a crash after it leaves
        ``submitted``, which the next claimant looks up on the platform first)."""
        column = "webshop_state" if phase == WEBSHOP else "marketplace_state"
        self._update(return_id, **{column: SUBMITTED, "updated_at": now})

    def release(self, return_id: int, error: str, now: datetime) -> None:
        """A transient failure: the next run tries again (looking it up first)."""
        self._update(return_id, owner=None, lease_until=None, last_error=error[:2000],
                     updated_at=now)

    def registered(self, claim: ReturnClaim, *, ref: str, mode: str, platform: str,
                   reconciled: bool, now: datetime) -> None:
        with self.store.session() as s:
            s.execute(update(ReturnRow).where(ReturnRow.id == claim.id).values(
                webshop_state=DONE, webshop_ref=ref[:128], webshop_mode=mode, owner=None,
                lease_until=None, updated_at=now))
            found = " (found there after an interrupted attempt)" if reconciled else ""
            _event(s, claim.order_id, now, "info", "return_registered",
                   f"return {claim.return_id} (RMA {claim.rma_id}) registered in {platform} "
                   f"webshop order {claim.webshop_id} as {mode} ({ref}){found}",
                   {"rma_id": claim.rma_id, "mode": mode, "ref": ref})

    def accepted(self, claim: ReturnClaim, ref: str, now: datetime) -> None:
        """The marketplace accepted the handling; it is processing (``ref``)."""
        self._update(claim.id, marketplace_state=ACCEPTED, marketplace_ref=ref[:128],
                     updated_at=now)

    def handled(self, claim: ReturnClaim, *, platform: str, result: str, reconciled: bool,
                now: datetime) -> None:
        with self.store.session() as s:
            s.execute(update(ReturnRow).where(ReturnRow.id == claim.id).values(
                marketplace_state=DONE, owner=None, lease_until=None, updated_at=now))
            found = " (found handled after an interrupted attempt)" if reconciled else ""
            _event(s, claim.order_id, now, "info", "return_handled",
                   f"return {claim.return_id} (RMA {claim.rma_id}) handled on {platform} as "
                   f"{result}, {claim.quantity} returned{found}",
                   {"rma_id": claim.rma_id, "result": result})

    def failed(self, claim: ReturnClaim, phase: str, message: str, now: datetime) -> None:
        """The platform refused the write: the merchant handles this return by hand."""
        column = "webshop_state" if phase == WEBSHOP else "marketplace_state"
        with self.store.session() as s:
            s.execute(update(ReturnRow).where(ReturnRow.id == claim.id).values(
                **{column: FAILED}, owner=None, lease_until=None, last_error=message[:2000],
                updated_at=now))
            where = "in the webshop" if phase == WEBSHOP else "on the marketplace"
            _event(s, claim.order_id, now, "error", "return_failed",
                   f"return {claim.return_id} (RMA {claim.rma_id}) could not be "
                   f"{'registered' if phase == WEBSHOP else 'handled'} {where}: {message}. "
                   f"Handle it {where} by hand.", {"rma_id": claim.rma_id, "phase": phase})

    # -- reads ------------------------------------------------------------------------

    def returns(self, platform: str | None = None,
                order_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Returns as rows (for the CLI, the check and tests), oldest first."""
        query = select(ReturnRow).order_by(ReturnRow.id)
        if platform is not None:
            query = query.where(ReturnRow.platform == platform)
        if order_ids is not None:
            query = query.where(ReturnRow.order_id.in_(list(order_ids)))
        with self.store.session() as s:
            return [{"rma_id": r.rma_id, "return_id": r.return_id, "order": r.external_id,
                     "order_id": r.order_id, "line_id": r.line_id, "quantity": r.quantity,
                     "reason": r.reason, "problem": r.problem, "webshop": r.webshop_state,
                     "mode": r.webshop_mode, "webshop_ref": r.webshop_ref,
                     "marketplace": r.marketplace_state, "marketplace_ref": r.marketplace_ref,
                     "attempts": r.attempts} for r in s.scalars(query)]


def _line(row: Any) -> OrderLine:
    return OrderLine(line_id=row.line_id, quantity=row.quantity,
                     unit_price=Decimal(row.unit_price), sku=row.sku, ean=row.ean,
                     title=row.title, offer_id=row.offer_id)
