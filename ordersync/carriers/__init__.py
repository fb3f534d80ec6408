"""Carrier detection from track & trace codes and marketplace carrier codes (pure, no I/O).

>>> d = detect("3SBOL0987654321", ship_from="NL")
>>> d.carrier, marketplace_carrier(d.carrier, "bolcom").code
('postnl', 'TNT')
"""

from ordersync.carriers.carriers_table import CARRIERS, carrier_name, resolve_carrier_name
from ordersync.carriers.detect import LOW_CONFIDENCE, Candidate, Detection, detect, normalise
from ordersync.carriers.marketplace_codes import (
    MARKETPLACES,
    MarketplaceCarrier,
    marketplace_carrier,
    marketplace_codes,
)

__all__ = [
    "CARRIERS",
    "LOW_CONFIDENCE",
    "MARKETPLACES",
    "Candidate",
    "Detection",
    "MarketplaceCarrier",
    "carrier_name",
    "detect",
    "marketplace_carrier",
    "marketplace_codes",
    "normalise",
    "resolve_carrier_name",
]
