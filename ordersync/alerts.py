"""A local alert receiver and the Prefect notification block that points at it.

Prefect automations notify through a notification block; ``configure_notifications(url)`` saves
a ``CustomWebhookNotificationBlock`` (``custom-webhook/ordersync-alerts``) that POSTs each
alert as JSON ``{"subject", "body"}`` to ``url``. ``start_alert_receiver()`` serves such a URL on
127.0.0.1: it keeps every alert it receives (with the time it arrived) and prints it, so the demo
and tests can show alerts without a mail server. A real deployment points the block (or its own
e-mail / Slack block of the same name) elsewhere.

Run standalone: ``python -m ordersync.alerts [--port 8765]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from uuid import UUID

BLOCK_NAME = "ordersync-alerts"
BLOCK_TYPE = "custom-webhook"
BLOCK_REF = f"{BLOCK_TYPE}/{BLOCK_NAME}"  # how automations/*.yaml refer to it


@dataclass(frozen=True, slots=True)
class Alert:
    received_at: datetime
    subject: str
    body: str


@dataclass
class AlertReceiver:
    """An HTTP server on 127.0.0.1 that stores and prints the alerts POSTed to it."""

    server: ThreadingHTTPServer
    out: TextIO | None = sys.stdout
    alerts: list[Alert] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/alerts"

    def received(self, alert: Alert) -> None:
        with self._arrived:
            self.alerts.append(alert)
            self._arrived.notify_all()
        if self.out is not None:
            print(f"[alert {alert.received_at:%H:%M:%S}] {alert.subject}\n{alert.body}\n",
                  file=self.out, flush=True)

    def wait_for(self, predicate, timeout: float) -> Alert | None:
        """The first alert matching ``predicate``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for alert in self.alerts:
                    if predicate(alert):
                        return alert
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._arrived.wait(left)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> AlertReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(receiver_ref: list[AlertReceiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                data: Any = json.loads(raw or b"{}")
            except ValueError:
                data = {"body": raw.decode("utf-8", "replace")}
            if not isinstance(data, dict):
                data = {"body": json.dumps(data)}
            receiver_ref[0].received(Alert(datetime.now(UTC), str(data.get("subject", "")),
                                           str(data.get("body", ""))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the alert itself is printed; no access log

    return Handler


def start_alert_receiver(port: int = 0, *, out: TextIO | None = sys.stdout) -> AlertReceiver:
    """Serve alerts on 127.0.0.1:``port`` (0: a free port) in a background thread."""
    ref: list[AlertReceiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(ref))
    server.daemon_threads = True
    receiver = AlertReceiver(server, out)
    ref.append(receiver)
    threading.Thread(target=server.serve_forever, name="alert-receiver", daemon=True).start()
    return receiver


def notification_block(url: str, name: str = BLOCK_NAME):
    """A webhook notification block POSTing ``{"subject", "body"}`` as JSON to ``url``."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    return CustomWebhookNotificationBlock(
        name=name,
        url=url,
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
    )


def configure_notifications(url: str, name: str = BLOCK_NAME) -> UUID:
    """Save the notification block the automations use, POSTing alerts to ``url``; returns
    its block document id. Idempotent (overwrites the block of that name)."""
    return notification_block(url, name).save(name, overwrite=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--configure", action="store_true",
                        help=f"also save the {BLOCK_REF} block pointing here (PREFECT_API_URL)")
    args = parser.parse_args(argv)
    receiver = start_alert_receiver(args.port)
    if args.configure:
        configure_notifications(receiver.url)
    print(f"alert receiver on {receiver.url} (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
