"""Salesforce client: OAuth, REST query, sObject Collections and Bulk API 2.0."""

from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.salesforce.settings import SalesforceConnection

__all__ = ["SalesforceClient", "SalesforceConnection"]
