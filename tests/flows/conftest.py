"""Helpers of the flow tests; the Prefect server and flow sandbox fixtures live in
tests/conftest.py, so one server serves every directory of a test session."""

from __future__ import annotations

from ordersync.sandbox.stack import SandboxStack


def save_connection(name: str, stack: SandboxStack, **settings) -> None:
    from ordersync.blocks.sandbox import save_sandbox_connection

    save_sandbox_connection(name, stack, rate_limits=False, **settings)
