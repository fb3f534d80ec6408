"""The Prefect side of a notification: an event per concerned connection, related to the
connection's order-sync deployment, which the automation ``ordersync-run-on-notification``
(``automations/run-on-notification.yaml``) runs at once (``run-deployment``, source inferred)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from prefect.events import emit_event

from ordersync.webhooks.receiver import Emit
from ordersync.webhooks.shopify import Notification


def resource_id(connection: str) -> str:
    return f"ordersync.connection.{connection}"


def prefect_emitter(deployments: Mapping[str, UUID]) -> Emit:
    """Emit ``ordersync.webshop.order.<what>`` for ``ordersync.connection.<name>``, with the
    connection's order-sync deployment as the related ``deployment`` resource."""

    def emit(connection: str, note: Notification) -> None:
        emitted = emit_event(
            event=note.event,
            resource={"prefect.resource.id": resource_id(connection),
                      "prefect.resource.name": connection},
            related=[{"prefect.resource.id": f"prefect.deployment.{deployments[connection]}",
                      "prefect.resource.role": "deployment"}],
            payload={"topic": note.topic, "webshop_order_id": note.order_id},
        )
        if emitted is None:
            raise RuntimeError("Prefect events are not enabled (no PREFECT_API_URL?)")

    return emit
