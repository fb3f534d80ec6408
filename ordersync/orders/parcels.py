"""Partial shipments and several parcels: what a webshop's fulfilments mean for the hub
(pure decisions over ``WebshopOrderState.parcels`` / ``.cancelled_lines``).

Each webshop parcel becomes its own marketplace shipment with its own lines, quantities and
code; a parcel without lines holds every line still open when it is first seen. The order is
``partial`` until every line has shipped or been cancelled, then ``shipped`` (``waiting`` while
a parcel still lacks a code), or ``cancelled`` when nothing shipped at all.

An order whose webshop state is the simple case - no parcel recorded yet, fulfilled in one
parcel that holds every line, nothing cancelled line by line - keeps the order-level path of
``lifecycle.on_webshop_state``; every other state goes through these decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ordersync.orders.model import Parcel, ParcelLine, Tracking, WebshopOrderState
from ordersync.orders.status import OrderStatus

S = OrderStatus
SHIP, CANCEL = "ship", "cancel"
CANCEL_PREFIX = "cancel:"


@dataclass(frozen=True, slots=True)
class KnownParcel:
    """A parcel (or a line cancellation) the hub has recorded for the order."""

    parcel_id: str
    kind: str  # SHIP | CANCEL
    lines: tuple[ParcelLine, ...]
    tracking_number: str | None = None
    state: str = "pending"  # waiting | pending | submitted | done | failed | skipped


@dataclass(frozen=True, slots=True)
class NewParcel:
    """A parcel or line cancellation to record: lines resolved, first code chosen."""

    parcel_id: str
    kind: str
    lines: tuple[ParcelLine, ...]
    tracking: Tracking | None = None
    extra_codes: tuple[str, ...] = ()  # further codes of the same parcel (one per shipment)


@dataclass(frozen=True, slots=True)
class ParcelPlan:
    new: tuple[NewParcel, ...]  # parcels (and cancellations) to record
    coded: tuple[tuple[str, Tracking], ...]  # known parcels without code that now have one
    remaining: tuple[ParcelLine, ...]  # quantities neither shipped nor cancelled
    status: OrderStatus | None  # the order's next status, or None to leave it
    reason: str = ""


def _totals(lines: Iterable[ParcelLine]) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in lines:
        found[line.line_id] = found.get(line.line_id, 0) + line.quantity
    return found


def remaining(ordered: Sequence[ParcelLine], taken: Iterable[ParcelLine]) -> tuple[ParcelLine, ...]:
    """The ordered quantities not yet in ``taken`` (shipped or cancelled), in order."""
    used = _totals(taken)
    left = []
    for line in ordered:
        rest = line.quantity - used.get(line.line_id, 0)
        if rest > 0:
            left.append(ParcelLine(line.line_id, rest))
    return tuple(left)


def _clip(lines: Iterable[ParcelLine], limit: Sequence[ParcelLine]) -> tuple[ParcelLine, ...]:
    """``lines`` limited to what ``limit`` still allows (unknown lines dropped)."""
    room = _totals(limit)
    kept = []
    for line in lines:
        quantity = min(line.quantity, room.get(line.line_id, 0))
        if quantity > 0:
            room[line.line_id] -= quantity
            kept.append(ParcelLine(line.line_id, quantity))
    return tuple(kept)


def uses_parcels(ordered: Sequence[ParcelLine], state: WebshopOrderState,
                 known: Sequence[KnownParcel]) -> bool:
    """False for the simple case the order-level path handles (see the module docstring)."""
    if known:
        return True
    if state.invalid or not ordered:  # no lines to reason about: the order-level path
        return False
    if state.cancelled_lines and not state.cancelled:
        return True
    if not state.parcels:
        return False
    if len(state.parcels) > 1 or not state.completed:
        return True
    lines = _totals(state.parcels[0].lines)
    return bool(lines) and any(lines.get(line.line_id, 0) < line.quantity for line in ordered)


def plan(current: OrderStatus, ordered: Sequence[ParcelLine], state: WebshopOrderState,
         known: Sequence[KnownParcel]) -> ParcelPlan:
    """What to record and where the order goes, given its lines, its webshop state and the
    parcels the hub already has. Parcels are taken in the webshop's order; a parcel seen
    again is never recorded twice; quantities never exceed what was ordered."""
    known_ids = {k.parcel_id: k for k in known}
    shipped = [line for k in known if k.kind == SHIP for line in k.lines]
    cancelled_known = [line for k in known if k.kind == CANCEL for line in k.lines]
    new: list[NewParcel] = []
    coded: list[tuple[str, Tracking]] = []
    for parcel in state.parcels:
        tracking = _first_code(parcel)
        seen = known_ids.get(parcel.parcel_id)
        if seen is not None:
            if seen.tracking_number is None and tracking is not None and seen.state == "waiting":
                coded.append((parcel.parcel_id, tracking))
            continue
        open_now = remaining(ordered, shipped + cancelled_known)
        lines = _clip(parcel.lines, open_now) if parcel.lines else open_now
        extra = tuple(t.number for t in parcel.tracking[1:])
        new.append(NewParcel(parcel.parcel_id, SHIP, lines, tracking, extra))
        shipped.extend(lines)
    cancels = _cancellations(ordered, state, shipped, cancelled_known, known_ids)
    new.extend(cancels)
    taken = shipped + cancelled_known + [line for c in cancels for line in c.lines]
    left = remaining(ordered, taken)
    status, reason = _next_status(current, shipped, left, known, new, coded)
    return ParcelPlan(tuple(new), tuple(coded), left, status, reason)


def _first_code(parcel: Parcel) -> Tracking | None:
    return parcel.tracking[0] if parcel.tracking else None


def _cancellations(ordered: Sequence[ParcelLine], state: WebshopOrderState,
                   shipped: list[ParcelLine], cancelled_known: list[ParcelLine],
                   known_ids: Mapping[str, KnownParcel]) -> list[NewParcel]:
    """New line cancellations: the webshop's cancelled quantities not recorded yet, and (an
    order cancelled as a whole) every open quantity. One record per line."""
    wanted = _totals(state.cancelled_lines)
    open_now = remaining(ordered, shipped + cancelled_known)
    if state.cancelled:
        wanted = {line.line_id: max(wanted.get(line.line_id, 0), line.quantity)
                  for line in ordered}
    have = _totals(cancelled_known)
    found = []
    for line in open_now:
        quantity = min(line.quantity, wanted.get(line.line_id, 0) - have.get(line.line_id, 0))
        parcel_id = f"{CANCEL_PREFIX}{line.line_id}"
        if quantity > 0 and parcel_id not in known_ids:
            found.append(NewParcel(parcel_id, CANCEL, (ParcelLine(line.line_id, quantity),)))
    return found


def _next_status(current: OrderStatus, shipped: list[ParcelLine], left: tuple[ParcelLine, ...],
                 known: Sequence[KnownParcel], new: Sequence[NewParcel],
                 coded: Sequence[tuple[str, Tracking]]) -> tuple[OrderStatus | None, str]:
    if current not in (S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL, S.WAITING):
        return None, ""
    now_coded = {parcel_id for parcel_id, _ in coded}
    uncoded = [k for k in known if k.kind == SHIP and k.state == "waiting"
               and k.parcel_id not in now_coded and k.lines]
    uncoded += [n for n in new if n.kind == SHIP and n.tracking is None and n.lines]
    anything_shipped = any(line.quantity for line in shipped)
    if left:
        if not anything_shipped and not any(k.kind == CANCEL for k in known) and not any(
                n.kind == CANCEL for n in new):
            return None, ""
        return _move(current, S.PARTIAL, "some lines shipped or cancelled in the webshop")
    if not anything_shipped:
        return _move(current, S.CANCELLED, "every line cancelled in the webshop")
    if uncoded:
        return _move(current, S.WAITING, "every line shipped; a parcel has no track & trace")
    return _move(current, S.SHIPPED, "every line shipped or cancelled")


def _move(current: OrderStatus, new: OrderStatus, reason: str) -> tuple[OrderStatus | None, str]:
    return (None, "") if current == new else (new, reason)


def shipped_before(parcels: Iterable[KnownParcel]) -> dict[str, int]:
    """Quantities per line of the parcels the marketplace has confirmed (state done)."""
    return _totals(line for p in parcels if p.kind == SHIP and p.state == "done"
                   for line in p.lines)


def on_marketplace(parcel: Sequence[ParcelLine], shipped: Mapping[str, int],
                   before: Mapping[str, int]) -> bool:
    """Look-up before a retry: the marketplace shows this parcel's quantities on top of the
    parcels already confirmed, so an earlier attempt got through."""
    need = _totals(parcel)
    return bool(need) and all(shipped.get(line_id, 0) >= before.get(line_id, 0) + quantity
                              for line_id, quantity in need.items())
