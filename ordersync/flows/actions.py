"""The merchant's actions on one order, as flows a person runs from the Prefect UI's run form
(deployments retry-order, resolve-order, ship-order, cancel-order; no schedule) or with
``ordersync retry|resolve|ship|cancel``. The form's field descriptions are the flows' Args.

Thin: each flow opens the connection and runs one action of ``ordersync.order_loop.actions``, which
leaves an event in the order's log and writes through the loop's intents, exactly once. An
action that does not apply to the order fails the run with the reason.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from prefect.runtime import flow_run as flow_run_runtime
from pydantic import Field

from ordersync.flows.runtime import open_context
from ordersync.order_loop import actions

Connection = Annotated[str, Field(min_length=1)]
MarketplaceOrderId = Annotated[str, Field(min_length=1)]


def _run_name() -> str:
    params = flow_run_runtime.parameters
    action = flow_run_runtime.flow_name.removesuffix("_order")
    return f"{action}-{params.get('marketplace_order_id', '')}"


def _report(outcome: actions.ActionOutcome) -> dict[str, int | str]:
    get_run_logger().info(outcome.summary())
    return {"order": outcome.marketplace_order_id, "status": outcome.status, **outcome.counts}


@flow(name="retry_order", flow_run_name=_run_name, log_prints=True)
def retry_order(
    connection: Connection, marketplace_order_id: MarketplaceOrderId, note: str = ""
) -> dict[str, int | str]:
    """Retry an order in error: create it in the webshop again, or push its shipment or
    cancellation to the marketplace again, depending on where it failed. The platform is
    checked first, so an earlier attempt that did get through is never repeated.

    Args:
        connection: The order connection: its Order Connection block's name, e.g. sandbox.
        marketplace_order_id: The order's id on the marketplace, as Seller Central or the
            Retailer portal shows it, e.g. 402-0000001-0007919 (Amazon) or 1000000001
            (bol.com). The hub's row number works too.
        note: Optional: why, for the order's event log.
    """
    with open_context(connection) as ctx:
        return _report(actions.retry(ctx, marketplace_order_id, note))


@flow(name="resolve_order", flow_run_name=_run_name, log_prints=True)
def resolve_order(
    connection: Connection, marketplace_order_id: MarketplaceOrderId, note: str = ""
) -> dict[str, int | str]:
    """Mark an order handled by hand (status manual): the hub stops acting on it.

    Args:
        connection: The order connection: its Order Connection block's name, e.g. sandbox.
        marketplace_order_id: The order's id on the marketplace, as Seller Central or the
            Retailer portal shows it, e.g. 402-0000001-0007919 (Amazon) or 1000000001
            (bol.com). The hub's row number works too.
        note: Optional: why, for the order's event log.
    """
    with open_context(connection) as ctx:
        return _report(actions.resolve(ctx, marketplace_order_id, note))


@flow(name="ship_order", flow_run_name=_run_name, log_prints=True)
def ship_order(
    connection: Connection,
    marketplace_order_id: MarketplaceOrderId,
    tracking_number: Annotated[str, Field(min_length=1)],
    carrier: str | None = None,
    note: str = "",
) -> dict[str, int | str]:
    """Ship an order with a track & trace code and confirm the shipment on the marketplace.

    Args:
        connection: The order connection: its Order Connection block's name, e.g. sandbox.
        marketplace_order_id: The order's id on the marketplace, as Seller Central or the
            Retailer portal shows it, e.g. 402-0000001-0007919 (Amazon) or 1000000001
            (bol.com). The hub's row number works too.
        tracking_number: The parcel's track & trace code, e.g. 3SABCD1234567.
        carrier: Optional: the carrier, e.g. PostNL, DHL, DPD, UPS, Deutsche Post. Empty:
            read from the code.
        note: Optional: why, for the order's event log.
    """
    with open_context(connection) as ctx:
        return _report(actions.ship(ctx, marketplace_order_id, tracking_number, carrier, note))


@flow(name="cancel_order", flow_run_name=_run_name, log_prints=True)
def cancel_order(
    connection: Connection, marketplace_order_id: MarketplaceOrderId, note: str = ""
) -> dict[str, int | str]:
    """Cancel an order: in the hub, in the webshop (if it was created there) and on the
    marketplace (Amazon has no seller cancellation: the order then becomes manual).

    Args:
        connection: The order connection: its Order Connection block's name, e.g. sandbox.
        marketplace_order_id: The order's id on the marketplace, as Seller Central or the
            Retailer portal shows it, e.g. 402-0000001-0007919 (Amazon) or 1000000001
            (bol.com). The hub's row number works too.
        note: Optional: why, for the order's event log.
    """
    with open_context(connection) as ctx:
        return _report(actions.cancel(ctx, marketplace_order_id, note))
