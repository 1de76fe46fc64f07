"""SAP Business One Service Layer client."""

from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.connectors.service_layer.settings import ServiceLayerConnection

__all__ = ["ServiceLayerClient", "ServiceLayerConnection"]
