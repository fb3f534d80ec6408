"""``ordersync connect``: an order connection from parameters instead of YAML.

Creates or updates the credentials blocks (``<name>-<platform>``) and the ``order-connection``
block ``<name>``, then its deployments on the work pool through the Prefect API:
``order_sync/order-sync-<name>`` on an interval schedule and, if asked,
``stock_sync/stock-sync-<name>``. Running it again updates the same blocks and deployments
(the schedule has a slug, so it is replaced, never added). ``prefect.yaml`` stays the
declarative alternative.

Secrets (the credentials' SecretStr fields) never come from the command line: the CLI reads
them from ``ORDERSYNC_<PLATFORM>_<FIELD>`` or prompts without echo; the
``connect-order-connection`` flow takes the *names* of Prefect Secret blocks, because flow-run
parameters are stored in plain JSON by the Prefect API and shown on the run's page (and a
SecretStr parameter would reach the flow masked). On an update, a secret that is not given
again keeps its saved value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from pydantic import SecretStr, ValidationError

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CcvShopCredentials,
    LightspeedCredentials,
    MagentoCredentials,
    PrestaShopCredentials,
    ShopifyCredentials,
    ShopwareCredentials,
    WooCommerceCredentials,
)
from ordersync.flows.schedule_change import drop_changed_schedules, settle
from ordersync.flows.work_pool import WORK_POOL

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MARKETPLACES: dict[str, type[Block]] = {"bolcom": BolcomCredentials,
                                        "amazon": AmazonCredentials}
WEBSHOPS: dict[str, type[Block]] = {"shopify": ShopifyCredentials,
                                    "woocommerce": WooCommerceCredentials,
                                    "shopware": ShopwareCredentials,
                                    "magento": MagentoCredentials,
                                    "prestashop": PrestaShopCredentials,
                                    "lightspeed": LightspeedCredentials,
                                    "ccvshop": CcvShopCredentials}
SETTINGS = tuple(n for n in OrderConnection.model_fields if n not in ("marketplace", "webshop"))
SCHEDULE_SLUG = "interval"
TRACKING_TIMEOUT = ("tracking_timeout", "tracking-timeout")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

SecretSource = Callable[[str, str, bool], str | None]
"""(platform, field, a saved value exists) -> the secret's value, or None: not given."""


@dataclass
class ConnectionSpec:
    """One order connection as ``ordersync connect`` takes it (secrets come separately)."""

    name: str
    marketplace: str | None = None  # None on an update: the saved connection's
    webshop: str | None = None
    marketplace_fields: dict[str, Any] = field(default_factory=dict)
    webshop_fields: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    interval_seconds: float = 300.0
    stock_sync: bool = False
    work_pool: str = WORK_POOL


def secret_fields(block: type[Block]) -> list[str]:
    return [n for n, f in block.model_fields.items() if f.annotation is SecretStr]


def env_name(platform: str, field_name: str) -> str:
    """Where the CLI reads a secret: ``ORDERSYNC_BOLCOM_CLIENT_SECRET`` and the like."""
    return f"ORDERSYNC_{platform}_{field_name}".upper()


def build_blocks(spec: ConnectionSpec, secrets: SecretSource,
                 existing: OrderConnection | None = None
                 ) -> tuple[Block, Block, OrderConnection]:
    """The two credentials blocks and the connection, validated; every problem found is
    reported at once in a ValueError that says what to fix (never a secret's value)."""
    problems: list[str] = []
    if not _NAME.match(spec.name or ""):
        problems.append(f"connection name {spec.name!r}: use lowercase letters, digits and "
                        "dashes, like bol-to-shopify")
    if spec.interval_seconds <= 0:
        problems.append("interval must be more than 0 seconds")
    market = _credentials("marketplace", spec.marketplace, MARKETPLACES, spec.marketplace_fields,
                          secrets, existing.marketplace if existing else None, problems)
    shop = _credentials("webshop", spec.webshop, WEBSHOPS, spec.webshop_fields, secrets,
                        existing.webshop if existing else None, problems)
    unknown = sorted(set(spec.settings) - set(SETTINGS))
    if unknown:
        problems.append(f"unknown setting(s) {', '.join(unknown)}; the settings are "
                        f"{', '.join(SETTINGS)}")
    connection = None
    if market is not None and shop is not None and not unknown:
        kept = existing.model_dump(include=set(SETTINGS)) if existing else {}
        try:
            connection = OrderConnection(marketplace=market, webshop=shop,
                                         **{**kept, **spec.settings})
        except ValidationError as exc:
            problems += _errors("setting", exc)
    if problems or connection is None:
        raise ValueError("cannot connect " + repr(spec.name) + ":\n  - " + "\n  - ".join(
            problems))
    return market, shop, connection  # type: ignore[return-value]


def _credentials(role: str, platform: str | None, known: Mapping[str, type[Block]],
                 given: Mapping[str, Any], secrets: SecretSource, saved: Block | None,
                 problems: list[str]) -> Block | None:
    if platform is None and saved is not None:
        platform = _platform_of(saved, known)
    if platform not in known:
        what = f"unknown {role} {platform!r}" if platform else f"no {role} given"
        problems.append(f"{what}: one of {', '.join(sorted(known))}")
        return None
    block = known[platform]
    hidden = secret_fields(block)
    fields = set(block.model_fields)
    values: dict[str, Any] = {}
    if saved is not None and isinstance(saved, block):  # an update keeps what it had
        values = {n: getattr(saved, n) for n in fields}
    for name, value in given.items():
        if name in hidden:
            problems.append(f"{platform} {name} is a secret: set {env_name(platform, name)} "
                            "(or answer the prompt), never on the command line")
        elif name not in fields:
            problems.append(f"{platform} has no field {name!r}; its fields are "
                            f"{', '.join(n for n in block.model_fields if n not in hidden)}")
        else:
            values[name] = value
    for name in hidden:
        value = secrets(platform, name, name in values)
        if value:
            values[name] = SecretStr(value)
    missing = [n for n, f in block.model_fields.items() if f.is_required() and n not in values]
    for name in missing:
        how = (f"set {env_name(platform, name)} (or answer the prompt)" if name in hidden
               else f"give {name}=...")
        problems.append(f"{platform} needs {name}: {how}")
    if missing:
        return None
    try:
        return block(**values)
    except ValidationError as exc:
        problems += _errors(platform, exc)
        return None


def _platform_of(saved: Block, known: Mapping[str, type[Block]]) -> str | None:
    return next((p for p, cls in known.items() if isinstance(saved, cls)), None)


def _errors(what: str, exc: ValidationError) -> list[str]:
    """Pydantic's messages without the input values (which could be secrets)."""
    return [f"{what} {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def load_existing(name: str) -> OrderConnection | None:
    try:
        return OrderConnection.load(name)
    except ValueError:
        return None


def save_blocks(spec: ConnectionSpec, market: Block, shop: Block,
                connection: OrderConnection) -> list[str]:
    """Save (create or overwrite) the three blocks; returns their names."""
    mp = _platform_of(market, MARKETPLACES)
    ws = _platform_of(shop, WEBSHOPS)
    names = [f"{spec.name}-{mp}", f"{spec.name}-{ws}", spec.name]
    market.save(names[0], overwrite=True)
    shop.save(names[1], overwrite=True)
    connection.save(names[2], overwrite=True)
    return names


def _deployment(entrypoint: str, name: str, *, parameters: dict[str, Any], work_pool: str,
                description: str, tags: list[str]) -> RunnerDeployment:
    """A deployment as ``prefect deploy`` makes it from prefect.yaml: the flow runs from this
    project's folder on a process worker, one run at a time (a new one is cancelled)."""
    path, function = entrypoint.split(":")
    deployment = RunnerDeployment.from_entrypoint(
        f"{PROJECT_ROOT / path}:{function}", name=name, parameters=parameters,
        description=description, tags=tags, work_pool_name=work_pool,
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy="CANCEL_NEW"))
    deployment.entrypoint = entrypoint
    deployment._path = str(PROJECT_ROOT)
    return deployment


# Without pull steps Prefect 3.8's process worker copies the deployment's folder (this project,
# with its .venv: hundreds of MB) into a temporary workspace for every flow run; a pull step
# that sets the working directory runs the flow in place, as `prefect deploy`'s local recipe
# does.
PULL_IN_PLACE = [{"prefect.deployments.steps.set_working_directory": {
    "directory": str(PROJECT_ROOT)}}]


def _apply(deployment: RunnerDeployment, **kw: Any) -> None:
    """Create or update the deployment, running from this folder without copying it."""
    from_id = deployment.apply(**kw)
    with get_client(sync_client=True) as client:
        client.update_deployment(from_id, DeploymentUpdate(pull_steps=PULL_IN_PLACE))


def _schedule(seconds: float) -> dict[str, Any]:
    """One interval schedule with a fixed slug: an update replaces it instead of adding one
    (``deploy`` deletes it first when the interval changes: ``schedule_change``)."""
    return {"schedule": IntervalSchedule(interval=timedelta(seconds=seconds)),
            "slug": SCHEDULE_SLUG, "active": True}


def check_work_pool(name: str) -> None:
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            raise ValueError(f"work pool {name!r} does not exist: create it with "
                             f"`ordersync work-pool --name {name}` and start a worker on "
                             "it") from None


def deploy(spec: ConnectionSpec) -> list[str]:
    """Create or update the connection's deployments; returns their full names."""
    check_work_pool(spec.work_pool)
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name("/".join(TRACKING_TIMEOUT))
            needs_timeout = False
        except ObjectNotFound:
            needs_timeout = True
    made = [_deployment("ordersync/flows/order_sync.py:order_sync",
                        f"order-sync-{spec.name}", parameters={"connection": spec.name},
                        work_pool=spec.work_pool,
                        description=f"Order sync of connection {spec.name} (ordersync connect).",
                        tags=["ordersync", f"connection:{spec.name}"])]
    if spec.stock_sync:
        made.append(_deployment(
            "ordersync/flows/stock_sync.py:stock_sync", f"stock-sync-{spec.name}",
            parameters={"connections": [spec.name]},
            work_pool=spec.work_pool, tags=["ordersync", "stock", f"connection:{spec.name}"],
            description=f"Stock sync of connection {spec.name} (ordersync connect)."))
    interval = timedelta(seconds=spec.interval_seconds)
    with get_client(sync_client=True) as client:  # a new interval is a new schedule
        changed = [found for d in made if (found := drop_changed_schedules(
            client, f"{d.flow_name}/{d.name}", interval))]
    for deployment in made:
        _apply(deployment, schedules=[_schedule(spec.interval_seconds)])
    if changed:
        with get_client(sync_client=True) as client:
            settle(client, changed)
    names = [f"{d.flow_name}/{d.name}" for d in made]
    if needs_timeout:  # order-sync schedules its tracking waits on it (prefect.yaml has it)
        timeout = RunnerDeployment.from_entrypoint(
            str(PROJECT_ROOT / "ordersync/flows/order_sync.py") + ":tracking_timeout",
            name=TRACKING_TIMEOUT[1], work_pool_name=spec.work_pool, tags=["ordersync"],
            description="Scheduled by order-sync for each waiting order.")
        timeout.entrypoint = "ordersync/flows/order_sync.py:tracking_timeout"
        timeout._path = str(PROJECT_ROOT)
        _apply(timeout)
        names.append("/".join(TRACKING_TIMEOUT))
    return names


def connect(spec: ConnectionSpec, secrets: SecretSource, *, deployments: bool = True
            ) -> dict[str, Any]:
    """Validate, save the blocks, deploy; a summary without any secret."""
    existing = load_existing(spec.name)
    market, shop, connection = build_blocks(spec, secrets, existing)
    if deployments:  # before anything is saved
        check_work_pool(spec.work_pool)
    blocks = save_blocks(spec, market, shop, connection)
    deployed = deploy(spec) if deployments else []
    return {"connection": spec.name, "updated": existing is not None,
            "marketplace": _platform_of(market, MARKETPLACES),
            "webshop": _platform_of(shop, WEBSHOPS), "blocks": blocks,
            "deployments": deployed, "interval_seconds": spec.interval_seconds}


def secret_blocks(names: Mapping[str, Mapping[str, str]]) -> SecretSource:
    """Secrets from Prefect Secret blocks: ``{platform: {field: secret block name}}``."""
    def read(platform: str, field_name: str, saved: bool) -> str | None:
        block = names.get(platform, {}).get(field_name)
        if not block:
            return None
        try:
            return str(Secret.load(block).get())
        except ValueError:
            raise ValueError(f"{platform} {field_name}: no Secret block named {block!r} "
                             "(create it under Blocks > Secret)") from None
    return read


@flow(name="connect-order-connection", log_prints=False)
def connect_order_connection(
    name: str,
    marketplace: str | None = None,
    webshop: str | None = None,
    marketplace_fields: dict[str, Any] | None = None,
    webshop_fields: dict[str, Any] | None = None,
    marketplace_secret_blocks: dict[str, str] | None = None,
    webshop_secret_blocks: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    interval_seconds: float = 300.0,
    stock_sync: bool = False,
    work_pool: str = WORK_POOL,
) -> dict[str, Any]:
    """Create or update an order connection and its deployments (``ordersync connect``).

    Args:
        name: The connection (Order Connection block) name, e.g. bol-to-shopify; lowercase
            letters, digits and dashes.
        marketplace: bolcom or amazon (on an update, empty keeps the saved one).
        webshop: shopify, woocommerce or shopware (on an update, empty keeps the saved one).
        marketplace_fields: The marketplace credentials' plain fields, e.g.
            {"client_id": "..."} (bol.com) or {"client_id": "...", "seller_id": "..."}.
        webshop_fields: The webshop credentials' plain fields, e.g. {"shop": "my-shop"}.
        marketplace_secret_blocks: Each secret field -> the name of a Secret block holding it,
            e.g. {"client_secret": "bol-client-secret"}. Never the secret itself: run
            parameters are stored and shown in plain text.
        webshop_secret_blocks: Likewise, e.g. {"access_token": "shopify-token"}.
        settings: Order connection settings, e.g. {"tracking_wait_minutes": 120}.
        interval_seconds: Seconds between order-sync runs.
        stock_sync: Also deploy stock-sync for this connection.
        work_pool: The work pool the deployments run on.
    """
    spec = ConnectionSpec(name=name, marketplace=marketplace or None, webshop=webshop or None,
                          marketplace_fields=dict(marketplace_fields or {}),
                          webshop_fields=dict(webshop_fields or {}),
                          settings=dict(settings or {}), interval_seconds=interval_seconds,
                          stock_sync=stock_sync, work_pool=work_pool)
    existing = load_existing(name)
    chosen_mp = marketplace or (_platform_of(existing.marketplace, MARKETPLACES)
                                if existing else None) or ""
    chosen_ws = webshop or (_platform_of(existing.webshop, WEBSHOPS) if existing else None) or ""
    secrets = secret_blocks({chosen_mp: marketplace_secret_blocks or {},
                             chosen_ws: webshop_secret_blocks or {}})
    summary = connect(spec, secrets)
    get_run_logger().info(
        "connection %s %s (%s -> %s); blocks %s; deployments %s", name,
        "updated" if summary["updated"] else "created", summary["marketplace"],
        summary["webshop"], ", ".join(summary["blocks"]), ", ".join(summary["deployments"]))
    return summary
