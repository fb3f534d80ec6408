"""The twin's ``/settings/general`` group: setting objects as WooCommerce's Settings API returns
them (``{id, label, description, type, default, options?, tip, value, group_id}``)."""

from __future__ import annotations

from typing import Any

from ordersync.sandbox.woocommerce.store import WooError, WooStore

Json = dict[str, Any]
CURRENCIES = {
    "EUR": "Euro (&euro;)", "USD": "United States (US) dollar (&#36;)",
    "GBP": "Pound sterling (&pound;)", "UAH": "Ukrainian hryvnia (&#8372;)",
    "PLN": "Polish z&#x142;oty (&#122;&#322;)", "CHF": "Swiss franc (&#67;&#72;&#70;)",
    "SEK": "Swedish krona (&#107;&#114;)", "DKK": "Danish krone (DKK)",
    "NOK": "Norwegian krone (&#107;&#114;)", "CZK": "Czech koruna (&#75;&#269;)",
    "HUF": "Hungarian forint (&#70;&#116;)",
}


def general_settings(store: WooStore) -> list[Json]:
    """The general group (the settings the hub reads), with the site's current values."""

    def setting(ident: str, label: str, kind: str, default: Any, value: Any,
                description: str = "", options: Json | None = None) -> Json:
        item: Json = {"id": ident, "label": label, "description": description, "type": kind,
                      "default": default, "tip": description, "value": value,
                      "group_id": "general"}
        if options is not None:
            item["options"] = options
        return item

    return [
        setting("woocommerce_default_country", "Country / State", "select", "US:CA",
                store.default_country, "The country and state or province, if any, in which "
                "your business is located.", {}),
        setting("woocommerce_currency", "Currency", "select", "USD", store.currency,
                "This controls what currency prices are listed at in the catalog and which "
                "currency gateways will take payments in.", dict(CURRENCIES)),
        setting("woocommerce_currency_pos", "Currency position", "select", "left", "left",
                "This controls the position of the currency symbol.",
                {"left": "Left", "right": "Right", "left_space": "Left with space",
                 "right_space": "Right with space"}),
        setting("woocommerce_price_num_decimals", "Number of decimals", "number", "2", "2",
                "This sets the number of decimal points shown in displayed prices."),
    ]


def get_setting(store: WooStore, group: str, ident: str) -> Json:
    if group != "general":
        raise WooError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
    for item in general_settings(store):
        if item["id"] == ident:
            return item
    raise WooError(404, "rest_setting_setting_invalid", "Invalid setting.")


def update_setting(store: WooStore, group: str, ident: str, body: Json) -> Json:
    item = get_setting(store, group, ident)
    value = body.get("value")
    if ident != "woocommerce_currency":
        raise WooError(400, "rest_setting_value_invalid", "The twin only changes the currency.")
    if value not in CURRENCIES:
        raise WooError(400, "rest_setting_value_invalid", "An invalid setting value was passed.")
    store.currency = value
    return {**item, "value": value}
