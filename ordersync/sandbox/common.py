"""What every sandbox twin shares: fault injection, server-side rate limits, request
counting, and serving an ASGI app on a free port in a background thread.

Control endpoints (every twin, under ``/_sandbox``):
- ``POST /_sandbox/faults`` ``{"method": "POST", "path": "^/retailer/shipments$", "status": 503,
  "count": 1, "delay": 0, "retry_after": null, "after_handling": false}``: the next ``count``
  matching requests fail with ``status`` (``delay`` seconds first; ``status`` 0 = hang for
  ``delay`` then never answer, like a timeout). ``after_handling`` true = the request is
  processed *first*, and then answered with the error (or never answered): the classic
  uncertain write.
- ``DELETE /_sandbox/faults``: clear them.
- ``PUT /_sandbox/rate-limits`` ``{"enabled": false}``: switch the platform's limits off/on.
- ``GET /_sandbox/stats``: requests served and 429s sent, per path template.
- ``POST /_sandbox/reset``: forget all state.

Unknown routes and wrong methods are answered like the platform does (never Starlette's
plain-text 404/405): each twin passes ``build_app`` its error-body factory (also used for
injected faults) and, where the platform answers them differently, a ``no_route`` factory.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ErrorBody = Callable[[int], dict[str, Any]]
"""A twin's error body for an HTTP status (injected faults, unknown routes)."""
NoRoute = Callable[[int, str], tuple[int, dict[str, Any]]]
"""``(404 or 405, path) -> (status, body)``: how the platform answers a request no route
(404) or no route with that method (405) matches."""


@dataclass
class Fault:
    method: str | None
    path: re.Pattern[str]
    status: int
    count: int = 1
    delay: float = 0.0
    retry_after: float | None = None
    after_handling: bool = False


class ServerBucket:
    """Non-blocking token bucket for a twin: ``take`` says yes, or how long to wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self.tokens = float(burst)
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self, cost: float = 1.0) -> float:
        """0.0 when the request may go on, else the seconds until it could."""
        self._refill()
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate

    @property
    def used(self) -> float:
        self._refill()
        return self.burst - self.tokens


@dataclass
class TwinControls:
    """Mutable knobs and counters of one twin."""

    rate_limits: bool = True
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if (fault.method in (None, method)) and fault.path.search(path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Forget injected faults and counters."""
        self.faults.clear()
        self.requests.clear()
        self.throttled.clear()

    def stats(self) -> dict:
        return {
            "requests": sum(self.requests.values()),
            "throttled": sum(self.throttled.values()),
            "by_path": dict(self.requests),
            "throttled_by_path": dict(self.throttled),
        }


def control_routes(controls: TwinControls, reset: Callable[[], None]) -> list[Route]:
    """The ``/_sandbox`` routes every twin mounts."""

    async def add_fault(request: Request) -> Response:
        body = await request.json()
        controls.faults.append(
            Fault(
                method=(body.get("method") or "").upper() or None,
                path=re.compile(body.get("path", ".*")),
                status=int(body.get("status", 500)),
                count=int(body.get("count", 1)),
                delay=float(body.get("delay", 0)),
                retry_after=body.get("retry_after"),
                after_handling=bool(body.get("after_handling", False)),
            )
        )
        return JSONResponse({"faults": len(controls.faults)}, status_code=201)

    async def clear_faults(request: Request) -> Response:
        controls.faults.clear()
        return Response(status_code=204)

    async def rate_limits(request: Request) -> Response:
        controls.rate_limits = bool((await request.json()).get("enabled", True))
        return JSONResponse({"enabled": controls.rate_limits})

    async def stats(request: Request) -> Response:
        return JSONResponse(controls.stats())

    async def do_reset(request: Request) -> Response:
        reset()
        controls.clear()
        return Response(status_code=204)

    return [
        Route("/_sandbox/faults", add_fault, methods=["POST"]),
        Route("/_sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/_sandbox/rate-limits", rate_limits, methods=["PUT"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/reset", do_reset, methods=["POST"]),
    ]


class FaultMiddleware:
    """ASGI middleware: counts requests by route template and applies injected faults."""

    def __init__(self, app, controls: TwinControls, error_body: ErrorBody,
                 media_type: str = "application/json"):
        self.app, self.controls, self.error_body = app, controls, error_body
        self.media_type = media_type

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            return await self.app(scope, receive, send)
        self.controls.requests[_template(scope)] += 1
        fault = self.controls.take_fault(scope["method"], scope["path"])
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.after_handling:

            async def discard(message):  # run the handler, throw its answer away
                return None

            await self.app(scope, receive, discard)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status == 0:  # a timeout: never answer
            await hang_until_disconnect(receive)
            return
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        response = JSONResponse(
            self.error_body(fault.status), status_code=fault.status, headers=headers,
            media_type=self.media_type,
        )
        await response(scope, receive, send)


async def hang_until_disconnect(receive, seconds: float = 3600.0) -> None:
    """Never answer: wait until the client gives up and disconnects (or ``seconds``), so a
    hung request ends with its client instead of lingering until the server stops."""
    try:
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass


def _template(scope) -> str:
    """Route template for stats (ids replaced by ``{id}``)."""
    return scope["method"] + " " + re.sub(r"/\d[\w-]*", "/{id}", scope["path"])


def no_route_handler(error_body: ErrorBody, no_route: NoRoute | None = None,
                     media_type: str = "application/json") -> Callable[..., Response]:
    """Starlette exception handler answering the router's 404/405 in the platform's style."""

    def handle(request: Request, exc: Exception) -> Response:
        framework = exc.status_code if isinstance(exc, HTTPException) else 500
        if no_route is None:
            status, body = framework, error_body(framework)
        else:
            status, body = no_route(framework, request.url.path)
        headers = getattr(exc, "headers", None) if status == 405 else None
        return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)

    return handle


def build_app(
    routes: list[Route],
    controls: TwinControls,
    reset: Callable[[], None],
    error_body: ErrorBody,
    *,
    no_route: NoRoute | None = None,
    media_type: str = "application/json",
) -> Starlette:
    """A twin's ASGI app: its platform routes + the control routes, behind the fault layer.
    Errors the twin raises outside its handlers (faults, unknown routes, wrong methods) are
    ``error_body`` (or ``no_route``) JSON of ``media_type``."""
    handler = no_route_handler(error_body, no_route, media_type)
    app = Starlette(routes=control_routes(controls, reset) + routes,
                    exception_handlers={404: handler, 405: handler})
    return FaultMiddleware(app, controls, error_body, media_type)  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedApp:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a daemon thread; ``stop()`` ends it."""

    def __init__(self, app, port: int | None = None, log_level: str = "warning") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self, timeout: float = 10.0) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
