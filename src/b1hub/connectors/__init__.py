"""Clients of the two remote systems: the SAP B1 Service Layer and Salesforce.

Connectors know HTTP and the remote API, nothing about sync. Every remote failure comes
back as a typed outcome (see :mod:`b1hub.connectors.outcomes`).
"""
