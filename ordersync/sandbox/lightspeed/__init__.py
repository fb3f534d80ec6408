"""The Lightspeed eCom (C-Series) sandbox twin."""

from ordersync.sandbox.lightspeed.twin import LightspeedTwin

__all__ = ["LightspeedTwin"]
