"""Per-platform import rules (PRODUCT.md section 3), as data.

One ``PlatformRules`` per source platform; anything not listed gets the general rules.
"""

from __future__ import annotations

from dataclasses import dataclass

IDENTIFY_BY = ("name", "sku", "id")
"""How products of an order are matched against the catalog."""


@dataclass(frozen=True, slots=True)
class PlatformRules:
    platform: str
    identify_by: tuple[str, ...] = IDENTIFY_BY
    """The *identify products by* choices the platform supports."""
    strict_customer: bool = False
    """Skip orders without products, without customer, or whose customer has neither e-mail
    nor phone (WooCommerce)."""
    not_specified_customer: bool = True
    """An order without customer data gets the contact *not specified* (Shopify Basic plan)."""
    delivery_comments: bool = True
    """Delivery details become comments in the order's event feed."""
    status_sync: bool = False
    """The hub's status follows the platform's (Cartum); otherwise it is the order type's
    initial status and never changed by the platform."""
    write_off_status: str | None = None
    """Status set on the platform once the order is written off in the hub (WooCommerce)."""
    product_id_is_code: bool = True
    """The platform's product id goes to the catalog's *code* field (Shopify, WooCommerce)."""
    customer_address: bool = False
    """The customer's own address is transferred with the contact (Shopify)."""


GENERAL = PlatformRules(platform="*")

RULES: dict[str, PlatformRules] = {
    "shopify": PlatformRules(platform="shopify", customer_address=True),
    "woocommerce": PlatformRules(
        platform="woocommerce", strict_customer=True, not_specified_customer=False,
        delivery_comments=False, write_off_status="completed",
    ),
    # Cartum's line items carry only the article: it is both the SKU and the product id.
    "cartum": PlatformRules(platform="cartum", identify_by=("name", "sku"), status_sync=True,
                            product_id_is_code=False),
}


def rules_for(platform: str) -> PlatformRules:
    """The platform's rules, or the general ones with its name."""
    found = RULES.get(platform)
    if found is not None:
        return found
    return PlatformRules(platform=platform)


def check_identify_by(platform: str, identify_by: str) -> str:
    """``identify_by`` if the platform supports it, else a ValueError saying what to choose."""
    allowed = rules_for(platform).identify_by
    if identify_by not in allowed:
        raise ValueError(
            f"identify_products_by={identify_by!r} is not possible for {platform}: choose one "
            f"of {', '.join(allowed)}"
        )
    return identify_by
