"""b1hub: an integration hub that keeps SAP Business One and Salesforce in sync."""

__version__ = "0.1.0"
