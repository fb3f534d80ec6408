"""The local alert receiver gets what the notification block sends, stores and prints it."""

from __future__ import annotations

import io

from ordersync.alerts import notification_block, start_alert_receiver


def test_the_webhook_block_delivers_subject_and_body_to_the_receiver():
    out = io.StringIO()
    with start_alert_receiver(out=out) as receiver:
        block = notification_block(receiver.url)
        block.notify('order 1 is "error"\nWhat to do: fix it', subject="ordersync: order 1")
        alert = receiver.wait_for(lambda a: a.subject == "ordersync: order 1", 10)
    assert alert is not None
    assert alert.body == 'order 1 is "error"\nWhat to do: fix it'
    assert "ordersync: order 1" in out.getvalue() and "What to do: fix it" in out.getvalue()
    assert receiver.wait_for(lambda a: a.subject == "never", 0) is None
