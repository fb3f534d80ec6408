"""Apply the automations in ``automations/*.yaml`` to the Prefect API, idempotently (an
automation with the same name is replaced): zombie flow-run detection, and alerts on orders in
error / manual / overdue and on failed or crashed runs.

Two things the YAML files may hold beyond Prefect's own schema:

- ``block: <block type slug>/<block name>`` in a ``send-notification`` action: the
  notification block, resolved to its ``block_document_id`` when applied (an automation whose
  block does not exist is skipped with a warning; ``ordersync.alerts.configure_notifications``
  creates the default ``custom-webhook/ordersync-alerts``);
- ``{within}`` in the description: the trigger's window, written out ("10 minutes").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore
from prefect.exceptions import ObjectNotFound

AUTOMATIONS_DIR = Path(__file__).resolve().parents[2] / "automations"
log = logging.getLogger("ordersync.automations")

BlockResolver = Callable[[str], UUID | None]


class MissingBlock(LookupError):
    """An automation refers to a notification block that does not exist."""


def load_automations(directory: Path = AUTOMATIONS_DIR, *,
                     within_seconds: float | None = None,
                     resolve_block: BlockResolver | None = None) -> list[AutomationCore]:
    """Every automation file of the folder; ``within_seconds`` overrides proactive triggers'
    window (tests use a short one together with a short heartbeat); ``resolve_block`` turns a
    ``block: slug/name`` reference into its id (automations whose block it cannot find are
    left out)."""
    automations = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        trigger = data.get("trigger", {})
        if within_seconds is not None and trigger.get("posture") == "Proactive":
            trigger["within"] = within_seconds
        if "{within}" in data.get("description", ""):
            data["description"] = data["description"].replace(
                "{within}", duration(float(trigger.get("within", 0))))
        try:
            data["actions"] = [_resolve(a, resolve_block) for a in data.get("actions", [])]
        except MissingBlock as exc:
            log.warning("automation %s left out: %s", data.get("name"), exc)
            continue
        automations.append(AutomationCore.model_validate(data))
    return automations


def _resolve(action: dict[str, Any], resolve_block: BlockResolver | None) -> dict[str, Any]:
    ref = action.pop("block", None)
    if ref is None:
        return action
    block_id = resolve_block(ref) if resolve_block is not None else None
    if block_id is None:
        raise MissingBlock(
            f"no notification block {ref!r} (create it with "
            f"ordersync.alerts.configure_notifications(url), or in the Prefect UI > Blocks)"
        )
    return {**action, "block_document_id": str(block_id)}


def duration(seconds: float) -> str:
    """A window in words: 600 -> "10 minutes", 90 -> "90 seconds", 7200 -> "2 hours"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def apply_automations(directory: Path = AUTOMATIONS_DIR, *,
                      within_seconds: float | None = None) -> list[str]:
    """Create or replace each automation; returns the names of those applied."""
    names = []
    with get_client(sync_client=True) as client:

        def resolve_block(ref: str) -> UUID | None:
            slug, _, name = ref.partition("/")
            try:
                return client.read_block_document_by_name(
                    name, block_type_slug=slug, include_secrets=False).id
            except ObjectNotFound:
                return None

        for automation in load_automations(directory, within_seconds=within_seconds,
                                           resolve_block=resolve_block):
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
            names.append(automation.name)
    return names
