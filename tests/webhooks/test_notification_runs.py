"""The whole notification path on a real Prefect server (slow): the Shopify twin delivers a
fulfilment to the receiver (subscribed by ``register_shopify``), which emits the event that the
``ordersync-run-on-notification`` automation turns into a run of the connection's order-sync
deployment. No worker: the run only has to exist (scheduled), with the deployment's own
parameters; the twin's second notice for the same fulfilment is coalesced and waits, since that
run is due and not started (``prefect_busy``)."""

from __future__ import annotations

import pytest

from ordersync.blocks.sandbox import save_sandbox_connection
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify.twin import WEBHOOK_SECRET
from ordersync.sandbox.stack import SHOP_TOKEN, SandboxStack
from ordersync.webhooks.register import register_shopify, shopify_client
from ordersync.webhooks.routes import secret_block_name
from ordersync.webhooks.shopify import TOPICS
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
CONNECTION = "notify-sandbox"


@pytest.fixture
def deployment(prefect_server):
    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client

    from ordersync.flows.automations import apply_automations

    with SandboxStack(rate_limits=False) as stack:
        save_sandbox_connection(CONNECTION, stack, marketplace="bolcom", rate_limits=False)
        Secret(value=WEBHOOK_SECRET).save(secret_block_name("sandbox"), overwrite=True)
        with get_client(sync_client=True) as client:
            flow_id = client.create_flow_from_name("order_sync")
            deployment_id = client.create_deployment(
                flow_id=flow_id, name=f"order-sync-{CONNECTION}",
                parameters={"connection": CONNECTION}, concurrency_limit=1,
                entrypoint="ordersync/flows/order_sync.py:order_sync")
        assert "ordersync-run-on-notification" in apply_automations()
        yield stack, deployment_id
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment_id)


def runs(deployment_id) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(
            id=DeploymentFilterId(any_=[deployment_id])))


def test_a_fulfilment_notification_runs_the_connections_deployment(deployment):
    from ordersync.webhooks.cli import build_receiver

    stack, deployment_id = deployment
    receiver = build_receiver()  # routes and deployments read from the Prefect API
    route = receiver.routes["sandbox.myshopify.com"]
    assert route.connections[CONNECTION] == "bolcom"
    served = ServedApp(receiver.app).start()
    try:
        address = served.url + "/webhooks/shopify"
        with shopify_client(stack.shopify_url, SHOP_TOKEN) as client:
            assert register_shopify(client, address) == list(TOPICS)
            assert register_shopify(client, address) == []  # idempotent
        assert runs(deployment_id) == []
        order = stack.shopify.create_order({"order": {
            "line_items": [{"title": "x", "quantity": 1}], "source_identifier": "bolcom:N1"}})
        stack.shopify.complete(order["id"], "3SABCD1234567", "PostNL")
        wait_for(lambda: receiver.counts["emitted"] >= 1, "the receiver to emit")
        found = wait_for(lambda: runs(deployment_id), "the automation's run")
        assert found[0].parameters == {"connection": CONNECTION}
        wait_for(lambda: receiver.counts["coalesced"] >= 1, "the second notice")
        # the shop's other connections on the shared server (other tests') may wait too
        assert CONNECTION in receiver.coalescer.pending_connections()
        assert receiver.coalescer.busy(CONNECTION)  # the run is due, waiting for a worker
    finally:
        stack.shopify.webhooks.stop()
        served.stop()
        receiver.close()


def test_a_deployment_whose_connection_block_is_gone_does_not_stop_the_receiver(
        deployment, caplog):
    """Found in CI: another connection's block was deleted while its order-sync deployment
    stayed, and ``build_receiver`` raised for every shop. That connection is skipped with a
    warning that says what to fix; the others are served."""
    from prefect.client.orchestration import get_client

    from ordersync.webhooks.cli import build_receiver

    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("order_sync")
        stale = client.create_deployment(
            flow_id=flow_id, name="order-sync-a-deleted-connection",
            parameters={"connection": "a-deleted-connection"},
            entrypoint="ordersync/flows/order_sync.py:order_sync")
    try:
        receiver = build_receiver()
        assert receiver.routes["sandbox.myshopify.com"].connections[CONNECTION] == "bolcom"
        assert "no order-connection block a-deleted-connection exists" in caplog.text
    finally:
        with get_client(sync_client=True) as client:
            client.delete_deployment(stale)


def test_busy_means_a_run_under_way_or_due_not_one_scheduled_for_later(deployment):
    from datetime import UTC, datetime, timedelta

    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Running, Scheduled

    from ordersync.webhooks.prefect_events import prefect_busy

    _, deployment_id = deployment
    busy = prefect_busy({CONNECTION: deployment_id})
    assert not busy(CONNECTION)
    with get_client(sync_client=True) as client:
        client.create_flow_run_from_deployment(deployment_id, state=Scheduled(
            scheduled_time=datetime.now(UTC) + timedelta(hours=1)))
        assert not busy(CONNECTION)
        run = client.create_flow_run_from_deployment(deployment_id)
        assert busy(CONNECTION)  # due now, waiting for a worker
        client.set_flow_run_state(run.id, Running(), force=True)
        assert busy(CONNECTION)
        client.set_flow_run_state(run.id, Completed(), force=True)
        assert not busy(CONNECTION)


def test_a_settled_bolcom_process_runs_the_connections_deployment(deployment):
    """bol.com's push of a settled shipment process (``register_bolcom`` subscribed the
    receiver) is emitted as ``ordersync.marketplace.process.settled`` and the automation runs
    the connection's deployment. The subscription's own process is pushed first; its run is
    deleted so the shipment's push has to make the next one."""
    from datetime import UTC, datetime

    from prefect.client.orchestration import get_client

    from ordersync.blocks.connection import OrderConnection
    from ordersync.orders import Shipment, ShipmentLine
    from ordersync.webhooks.bolcom import SETTLED
    from ordersync.webhooks.cli import build_receiver
    from ordersync.webhooks.register import register_bolcom

    stack, deployment_id = deployment
    receiver = build_receiver(coalesce_seconds=0)  # every push emitted at once
    assert CONNECTION in receiver.bolcom.connections
    emitted, emit = [], receiver.coalescer.emit

    def recording(connection, note):
        emit(connection, note)
        emitted.append(note)

    receiver.coalescer.emit = recording
    served = ServedApp(receiver.app).start()
    try:
        with OrderConnection.load(CONNECTION).marketplace.get_client() as connector:
            address = f"{served.url}/webhooks/bolcom/{CONNECTION}"
            assert register_bolcom(connector, address, pause=0.1) == "subscribed"
            first = wait_for(lambda: runs(deployment_id), "the subscription's own push's run")
            with get_client(sync_client=True) as client:
                for run in first:
                    client.delete_flow_run(run.id)
            order_id = stack.bolcom.place_order()
            item = stack.bolcom.stored_order(order_id)["orderItems"][0]["orderItemId"]
            receipt = connector.confirm_shipment(order_id, Shipment(
                (ShipmentLine(item, 1),), datetime.now(UTC), "3SABC", "TNT"))
        assert stack.bolcom.shipments_of(order_id)  # read: bol.com settles the process
        wait_for(lambda: any(n.process_id == receipt.ref and n.event == SETTLED
                             for n in list(emitted)), "the shipment's push")
        found = wait_for(lambda: runs(deployment_id), "the automation's run")
        assert found[0].parameters == {"connection": CONNECTION}
    finally:
        stack.bolcom.push.stop()
        served.stop()
        receiver.close()
