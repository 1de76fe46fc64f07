"""Faithful local emulators of the SAP B1 Service Layer and Salesforce.

They are reached over real HTTPS, exactly as the real systems are, so that the connectors,
the tests, the demo and the benchmarks run without SAP and without Salesforce.
"""
