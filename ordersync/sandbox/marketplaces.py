"""The marketplace rows of the sandbox: per marketplace, its connector over a served twin's
URL and its credentials block (named by import path plus fields, so the sandbox never imports
Prefect). The twins themselves are ``SandboxStack.bolcom`` / ``.amazon``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.base import MarketplaceConnector
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID

BOL_CLIENT_ID, BOL_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
AMZ_CLIENT_ID, AMZ_CLIENT_SECRET, AMZ_REFRESH = (
    "amzn1.application-oa2-client.sandbox", "amzn-sandbox-secret", "Atzr|sandbox")


@dataclass(frozen=True)
class Marketplace:
    platform: str
    connector: Callable[..., MarketplaceConnector]  # (url, rate_limits, **kw) -> connector
    block: str  # the credentials block class, "module:Class"
    block_fields: Callable[[str, bool], Mapping[str, Any]]  # (url, rate_limits) -> fields


def _amazon(url: str, rate_limits: bool) -> dict[str, Any]:
    return {"client_id": AMZ_CLIENT_ID, "client_secret": AMZ_CLIENT_SECRET,
            "refresh_token": AMZ_REFRESH, "seller_id": SELLER_ID,
            "marketplace_id": MARKETPLACE_ID, "account": "sandbox", "api_url": url,
            "token_url": f"{url}/auth/o2/token", "rate_limits": rate_limits}


def _bolcom(url: str, rate_limits: bool) -> dict[str, Any]:
    return {"client_id": BOL_CLIENT_ID, "client_secret": BOL_CLIENT_SECRET,
            "account": "sandbox", "api_url": url, "login_url": url, "rate_limits": rate_limits}


MARKETPLACES: dict[str, Marketplace] = {
    "bolcom": Marketplace(
        "bolcom", lambda url, rate_limits, **kw: BolcomConnector(**_bolcom(url, rate_limits),
                                                                 **kw),
        "ordersync.blocks.credentials:BolcomCredentials", _bolcom),
    "amazon": Marketplace(
        "amazon", lambda url, rate_limits, **kw: AmazonConnector(**_amazon(url, rate_limits),
                                                                 **kw),
        "ordersync.blocks.credentials:AmazonCredentials", _amazon),
}
