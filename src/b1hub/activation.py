"""Activating the Salesforce connector: the seed's "feature activation" step.

Activation proves both connections work, refuses when Salesforce lacks an external id the
engine upserts on (naming each one, before anything is changed), creates the user-defined
fields the engine writes its cross-references into on the SAP side (skipping those that
exist, so running it again is harmless), seeds unset general settings and only then marks
the feature active, with an audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.diagnostics import RemoteFailure, describe, failure_text
from b1hub.hub import Hub
from b1hub.objects.udfs import udf_definitions
from b1hub.store.repositories import SALESFORCE_CONNECTOR, Repositories

PRICE_EXTERNAL_ID = ("PricebookEntry", "SAP_PriceKey__c")


def required_external_ids() -> list[tuple[str, str]]:
    """Salesforce fields the engine upserts on (every synced object's, and price entries'):
    without them a retried write could create a duplicate."""
    from b1hub.objects.registry import REGISTRY

    pairs = [(spec.salesforce_object, spec.salesforce_external_id)
             for spec in REGISTRY.values()]
    return list(dict.fromkeys([*pairs, PRICE_EXTERNAL_ID]))

DEFAULT_SETTINGS: dict[str, Any] = {
    "account_types": ["Customer - Direct", "Customer - Channel"],
    "default_customer_group": 100,
    "bp_code_prefix": "SF",
    "time_zone": "UTC",
}
"""Stored explicitly at activation so the settings screen shows what the hub will use."""


class ActivationRefused(RuntimeError):
    """A prerequisite is missing; nothing was activated."""


@dataclass
class ActivationReport:
    udfs_created: list[str] = field(default_factory=list)
    udfs_existing: list[str] = field(default_factory=list)
    settings_seeded: dict[str, Any] = field(default_factory=dict)
    settings_not_seeded: dict[str, str] = field(default_factory=dict)


def missing_external_ids(
    client: SalesforceClient, required: Iterable[tuple[str, str]]
) -> list[str]:
    """``Object.Field`` for each required field that is absent or not an external id."""
    missing: list[str] = []
    for sobject, name in required:
        fields = {f["name"].lower(): f for f in describe(client, sobject).get("fields", [])}
        found = fields.get(name.lower())
        if found is None:
            missing.append(f"{sobject}.{name} (field does not exist)")
        elif not found.get("externalId"):
            missing.append(f"{sobject}.{name} (exists but is not marked External ID)")
    return missing


def existing_udfs(client: ServiceLayerClient, tables: Iterable[str]) -> set[tuple[str, str]]:
    """(table, NAME) of the UDFs already defined on ``tables`` (read from UserFieldsMD)."""
    condition = " or ".join(f"TableName eq '{t}'" for t in tables)
    found: set[tuple[str, str]] = set()
    for page in client.iter_pages("UserFieldsMD", select=["TableName", "Name"],
                                  filter=condition):
        if not isinstance(page, list):
            raise RemoteFailure(f"could not read SAP UserFieldsMD: {failure_text(page)}")
        found.update((str(row["TableName"]), str(row["Name"]).upper()) for row in page)
    return found


def ensure_udfs(
    client: ServiceLayerClient, definitions: Sequence[dict[str, Any]] | None = None
) -> tuple[list[str], list[str]]:
    """Create the hub's UDFs where missing; returns (created, already there) as TABLE.U_NAME.

    A field that exists is left as it is (never altered): the check is by table and name.
    """
    bodies = list(udf_definitions() if definitions is None else definitions)
    existing = existing_udfs(client, sorted({b["TableName"] for b in bodies}))
    created: list[str] = []
    kept: list[str] = []
    for body in bodies:
        label = f"{body['TableName']}.U_{body['Name']}"
        if (body["TableName"], str(body["Name"]).upper()) in existing:
            kept.append(label)
            continue
        full = {"SubType": "st_None", "Mandatory": "tNO", **body}
        outcome = client.create("UserFieldsMD", full, label)
        if not isinstance(outcome, Success):
            raise RemoteFailure(f"SAP refused to create the user-defined field {label}: "
                                f"{failure_text(outcome)}")
        created.append(label)
    return created, kept


def seed_settings(repos: Repositories, defaults: dict[str, Any] = DEFAULT_SETTINGS
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Set each default the user has not set; a default the settings model refuses is
    reported, not forced."""
    chosen = repos.settings.explicitly_set()
    seeded: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for key, value in defaults.items():
        if key in chosen:
            continue
        try:
            repos.settings.set(key, value)
        except ValidationError as exc:
            refused[key] = "; ".join(str(e.get("msg")) for e in exc.errors())
            continue
        except KeyError as exc:
            refused[key] = str(exc.args[0])
            continue
        seeded[key] = value
    return seeded, refused


def activate(
    hub: Hub, *, by: str, required: Iterable[tuple[str, str]] | None = None
) -> ActivationReport:
    """Check, prepare SAP, seed settings, activate. Raises ActivationRefused/RemoteFailure."""
    report = ActivationReport()
    with hub.salesforce() as salesforce:
        missing = missing_external_ids(
            salesforce, required_external_ids() if required is None else required)
    if missing:
        raise ActivationRefused(
            "Salesforce is missing the external id field(s) b1hub upserts on: "
            + "; ".join(missing)
            + " — create them in Setup (Object Manager, field with 'External ID' and "
            "'Unique') and run `b1hub activate` again")
    with hub.service_layer() as sap:
        report.udfs_created, report.udfs_existing = ensure_udfs(sap)
    with hub.repos() as repos:
        report.settings_seeded, report.settings_not_seeded = seed_settings(repos)
        repos.features.set_active(SALESFORCE_CONNECTOR, True, by=by)
        repos.audit.record(by, "feature.activate", SALESFORCE_CONNECTOR, {
            "udfs_created": report.udfs_created,
            "settings_seeded": report.settings_seeded,
        })
    return report
