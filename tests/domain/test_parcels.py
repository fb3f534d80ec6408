"""The pure parcel decisions: which parcels are new, which lines remain, the next status,
and the look-up before a retry."""

from datetime import UTC, datetime

from ordersync.orders import OrderStatus, Parcel, ParcelLine, Tracking, WebshopOrderState
from ordersync.orders.parcels import (
    CANCEL,
    SHIP,
    KnownParcel,
    on_marketplace,
    plan,
    remaining,
    shipped_before,
    uses_parcels,
)

S = OrderStatus
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ORDERED = (ParcelLine("A", 2), ParcelLine("B", 1))
CODE_1, CODE_2 = Tracking("3SABCD1234567", "PostNL"), Tracking("3SABCD7654321", "PostNL")


def state(*parcels: Parcel, completed: bool = False, cancelled: bool = False,
          cancelled_lines: tuple[ParcelLine, ...] = ()) -> WebshopOrderState:
    return WebshopOrderState("1", "bolcom:1", NOW, completed, cancelled, parcels=parcels,
                             cancelled_lines=cancelled_lines)


def parcel(pid: str, *lines: tuple[str, int], codes: tuple[Tracking, ...] = ()) -> Parcel:
    return Parcel(pid, tuple(ParcelLine(i, q) for i, q in lines), codes)


def test_remaining_subtracts_what_shipped_or_was_cancelled():
    assert remaining(ORDERED, [ParcelLine("A", 1)]) == (ParcelLine("A", 1), ParcelLine("B", 1))
    assert remaining(ORDERED, [ParcelLine("A", 2), ParcelLine("B", 1)]) == ()
    assert remaining(ORDERED, [ParcelLine("A", 5)]) == (ParcelLine("B", 1),)


def test_one_parcel_holding_every_line_keeps_the_order_level_path():
    whole = state(parcel("f1", ("A", 2), ("B", 1), codes=(CODE_1,)), completed=True)
    assert not uses_parcels(ORDERED, whole, [])
    assert not uses_parcels(ORDERED, state(parcel("t1", codes=(CODE_1,)), completed=True), [])
    assert not uses_parcels(ORDERED, state(completed=True), [])
    assert not uses_parcels((), state(parcel("f1", ("A", 1))), [])  # no lines to reason on


def test_partial_several_or_cancelled_lines_take_the_parcel_path():
    assert uses_parcels(ORDERED, state(parcel("f1", ("A", 1))), [])
    two = state(parcel("f1", ("A", 2)), parcel("f2", ("B", 1)), completed=True)
    assert uses_parcels(ORDERED, two, [])
    assert uses_parcels(ORDERED, state(cancelled_lines=(ParcelLine("B", 1),)), [])
    known = [KnownParcel("f1", SHIP, (ParcelLine("A", 1),), "X", "done")]
    assert uses_parcels(ORDERED, state(completed=True), known)


def test_partial_fulfilment_records_the_parcel_and_makes_the_order_partial():
    decided = plan(S.NOT_SHIPPED, ORDERED, state(parcel("f1", ("A", 1), codes=(CODE_1,))), [])
    assert [(p.parcel_id, p.lines, p.tracking) for p in decided.new] == [
        ("f1", (ParcelLine("A", 1),), CODE_1)]
    assert decided.remaining == (ParcelLine("A", 1), ParcelLine("B", 1))
    assert decided.status == S.PARTIAL


def test_a_parcel_seen_again_is_not_recorded_twice_and_the_rest_ships_the_order():
    known = [KnownParcel("f1", SHIP, (ParcelLine("A", 1),), CODE_1.number, "done")]
    again = state(parcel("f1", ("A", 1), codes=(CODE_1,)), parcel("f2", codes=(CODE_2,)),
                  completed=True)
    decided = plan(S.PARTIAL, ORDERED, again, known)
    assert [(p.parcel_id, p.lines) for p in decided.new] == [
        ("f2", (ParcelLine("A", 1), ParcelLine("B", 1)))]  # no lines: every line still open
    assert decided.remaining == () and decided.status == S.SHIPPED
    assert plan(S.SHIPPED, ORDERED, again, known + [
        KnownParcel("f2", SHIP, decided.new[0].lines, CODE_2.number, "done")]).status is None


def test_quantities_never_exceed_the_order():
    decided = plan(S.NOT_SHIPPED, ORDERED, state(parcel("f1", ("A", 5), ("Z", 1))), [])
    assert decided.new[0].lines == (ParcelLine("A", 2),)


def test_whole_order_parcels_after_the_first_hold_nothing():
    two = state(parcel("t1", codes=(CODE_1,)), parcel("t2", codes=(CODE_2,)), completed=True)
    decided = plan(S.NOT_SHIPPED, ORDERED, two, [])
    assert [p.lines for p in decided.new] == [ORDERED, ()]
    assert decided.status == S.SHIPPED


def test_a_line_cancelled_and_the_rest_shipped_is_shipped_with_a_cancellation():
    done = state(parcel("f1", ("A", 2), codes=(CODE_1,)), completed=True,
                 cancelled_lines=(ParcelLine("B", 1),))
    decided = plan(S.NOT_SHIPPED, ORDERED, done, [])
    assert [(p.kind, p.lines) for p in decided.new] == [
        (SHIP, (ParcelLine("A", 2),)), (CANCEL, (ParcelLine("B", 1),))]
    assert decided.status == S.SHIPPED


def test_only_cancelled_lines_make_the_order_partial_then_cancelled():
    one = state(cancelled_lines=(ParcelLine("B", 1),))
    assert plan(S.NOT_SHIPPED, ORDERED, one, []).status == S.PARTIAL
    known = [KnownParcel("cancel:B", CANCEL, (ParcelLine("B", 1),))]
    rest = state(cancelled_lines=(ParcelLine("B", 1), ParcelLine("A", 2)))
    decided = plan(S.PARTIAL, ORDERED, rest, known)
    assert [p.parcel_id for p in decided.new] == ["cancel:A"]
    assert decided.status == S.CANCELLED


def test_cancelling_the_rest_of_a_partly_shipped_order_ships_it():
    known = [KnownParcel("f1", SHIP, (ParcelLine("A", 1),), CODE_1.number, "done")]
    decided = plan(S.PARTIAL, ORDERED, state(parcel("f1", ("A", 1)), cancelled=True), known)
    assert [(p.parcel_id, p.lines) for p in decided.new] == [
        ("cancel:A", (ParcelLine("A", 1),)), ("cancel:B", (ParcelLine("B", 1),))]
    assert decided.status == S.SHIPPED


def test_a_parcel_without_code_makes_a_fully_decided_order_wait_until_its_code_arrives():
    no_code = state(parcel("f1", ("B", 1)), parcel("f2", ("A", 2), codes=(CODE_1,)),
                    completed=True)
    decided = plan(S.NOT_SHIPPED, ORDERED, no_code, [])
    assert decided.status == S.WAITING and decided.new[0].tracking is None
    known = [KnownParcel("f1", SHIP, (ParcelLine("B", 1),), None, "waiting"),
             KnownParcel("f2", SHIP, (ParcelLine("A", 2),), CODE_1.number, "done")]
    coded = state(parcel("f1", ("B", 1), codes=(CODE_2,)), parcel("f2", ("A", 2)),
                  completed=True)
    decided = plan(S.WAITING, ORDERED, coded, known)
    assert decided.coded == (("f1", CODE_2),) and decided.status == S.SHIPPED


def test_a_partial_order_with_an_uncoded_parcel_stays_partial():
    decided = plan(S.NOT_SHIPPED, ORDERED, state(parcel("f1", ("A", 1))), [])
    assert decided.status == S.PARTIAL and decided.new[0].tracking is None


def test_settled_orders_do_not_move():
    assert plan(S.SHIPPED, ORDERED, state(parcel("f9", ("A", 1))), []).status is None
    assert plan(S.MANUAL, ORDERED, state(parcel("f9", ("A", 1))), []).status is None


def test_further_codes_of_one_parcel_are_kept_apart():
    decided = plan(S.NOT_SHIPPED, ORDERED,
                   state(parcel("f1", ("A", 1), codes=(CODE_1, CODE_2))), [])
    assert decided.new[0].tracking == CODE_1 and decided.new[0].extra_codes == (CODE_2.number,)


def test_look_up_counts_this_parcel_on_top_of_the_confirmed_ones():
    known = [KnownParcel("f1", SHIP, (ParcelLine("A", 1),), "X", "done"),
             KnownParcel("f2", SHIP, (ParcelLine("A", 1),), "Y", "pending"),
             KnownParcel("cancel:B", CANCEL, (ParcelLine("B", 1),), None, "done")]
    before = shipped_before(known)
    assert before == {"A": 1}
    this = (ParcelLine("A", 1),)
    assert not on_marketplace(this, {"A": 1}, before)  # only the first parcel is there
    assert on_marketplace(this, {"A": 2}, before)  # the lost attempt got through
    assert not on_marketplace((), {"A": 2}, before)
