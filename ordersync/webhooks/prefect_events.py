"""The Prefect side of a notification: an event per concerned connection, related to the
connection's order-sync deployment, which the automation ``ordersync-run-on-notification``
(``automations/run-on-notification.yaml``) runs at once (``run-deployment``, source inferred);
and ``prefect_busy``, which tells the ``Coalescer`` whether such a run is under way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.events import emit_event
from prefect.settings import PREFECT_API_URL, temporary_settings

from ordersync.webhooks.coalesce import Busy, Emit
from ordersync.webhooks.shopify import Notification

UNDER_WAY = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]


def resource_id(connection: str) -> str:
    return f"ordersync.connection.{connection}"


def prefect_emitter(deployments: Mapping[str, UUID]) -> Emit:
    """Emit the notification's event (``ordersync.webshop.order.<what>``,
    ``ordersync.marketplace.process.settled``) for ``ordersync.connection.<name>``, with the
    connection's order-sync deployment as the related ``deployment`` resource. The API URL
    in effect now is used from any thread (the server's handlers run outside this context).
    Prefect sends events in the background: a send that fails later is only logged by Prefect
    (the poll stays the safety net)."""
    api_url = PREFECT_API_URL.value()

    def emit(connection: str, note: Notification) -> None:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            emitted = _emit(connection, note)
        if emitted is None:
            raise RuntimeError("Prefect events are not enabled (no PREFECT_API_URL?)")

    def _emit(connection: str, note: Notification):
        return emit_event(
            event=note.event,
            resource={"prefect.resource.id": resource_id(connection),
                      "prefect.resource.name": connection},
            related=[{"prefect.resource.id": f"prefect.deployment.{deployments[connection]}",
                      "prefect.resource.role": "deployment"}],
            payload={"topic": note.topic, "webshop_order_id": note.order_id,
                     **({"process_id": note.process_id} if note.process_id else {})},
        )

    return emit


def prefect_busy(deployments: Mapping[str, UUID]) -> Busy:
    """Whether the connection's order-sync deployment has a run PENDING or RUNNING, or
    SCHEDULED and already due (waiting for a worker: it will see the change when it runs, and a
    new run would only collide with it). Runs scheduled for later do not count. Uses the API
    URL in effect now, from any thread; an API error raises (the coalescer then emits)."""
    api_url = PREFECT_API_URL.value()

    def busy(connection: str) -> bool:
        with (temporary_settings(updates={PREFECT_API_URL: api_url}),
              get_client(sync_client=True) as client):
            found = client.read_flow_runs(
                deployment_filter=DeploymentFilter(
                    id=DeploymentFilterId(any_=[deployments[connection]])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=UNDER_WAY)),
                    expected_start_time=FlowRunFilterExpectedStartTime(
                        before_=datetime.now(UTC))),
                limit=1)
        return bool(found)

    return busy
