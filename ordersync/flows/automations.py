"""Apply the automations in ``automations/*.yaml`` to the Prefect API, idempotently (an
automation with the same name is replaced), e.g. zombie flow-run detection."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore

AUTOMATIONS_DIR = Path(__file__).resolve().parents[2] / "automations"


def load_automations(directory: Path = AUTOMATIONS_DIR, *,
                     within_seconds: float | None = None) -> list[AutomationCore]:
    """Every automation file of the folder; ``within_seconds`` overrides proactive triggers'
    window (tests use a short one together with a short heartbeat)."""
    automations = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if within_seconds is not None and "within" in data.get("trigger", {}):
            data["trigger"]["within"] = within_seconds
        automations.append(AutomationCore.model_validate(data))
    return automations


def apply_automations(directory: Path = AUTOMATIONS_DIR, *,
                      within_seconds: float | None = None) -> list[str]:
    """Create or replace each automation; returns their names."""
    names = []
    with get_client(sync_client=True) as client:
        for automation in load_automations(directory, within_seconds=within_seconds):
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
            names.append(automation.name)
    return names
