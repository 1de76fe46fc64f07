"""Connections and feature activation. Secrets are write-only: a blank secret field keeps
the stored value, and nothing here ever returns one (only which ones are set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub, join_secrets, split_secrets
from b1hub.store.repositories import SALESFORCE_CONNECTOR
from b1hub.store.types import System
from b1hub.web.services.errors import ActionRefused, InvalidInput

MODELS: dict[System, type[ServiceLayerConnection] | type[SalesforceConnection]] = {
    System.SAP: ServiceLayerConnection,
    System.SALESFORCE: SalesforceConnection,
}
# What the console edits; anything else in a stored connection is kept as it is.
EDITABLE: dict[System, tuple[str, ...]] = {
    System.SAP: ("url", "company_db", "username", "ca_cert", "verify_tls"),
    System.SALESFORCE: ("instance_url", "login_url", "auth_flow", "client_id", "username",
                        "ca_cert", "verify_tls"),
}
SECRETS: dict[System, tuple[str, ...]] = {
    System.SAP: ("password",),
    System.SALESFORCE: ("client_secret", "password", "security_token"),
}


@dataclass(frozen=True)
class ConnectionView:
    system: System
    configured: bool
    settings: dict[str, Any]
    secrets_set: list[str]
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None


def view(hub: Hub, system: System) -> ConnectionView:
    with hub.repos() as repos:
        config = repos.connections.get(system)
    if config is None:
        return ConnectionView(system, False, {}, [], None, None, None)
    shown = {k: config.settings.get(k) for k in EDITABLE[system] if k in config.settings}
    return ConnectionView(system, True, shown, sorted(config.secrets), config.last_tested_at,
                          config.last_test_ok, config.last_test_message)


def save(
    hub: Hub, system: System, settings: dict[str, Any], secrets: dict[str, str | None], by: str
) -> ConnectionView:
    unknown = (set(settings) - set(EDITABLE[system])) | (set(secrets) - set(SECRETS[system]))
    if unknown:
        raise InvalidInput(f"unknown connection field(s): {', '.join(sorted(unknown))}")
    with hub.repos() as repos:
        current = repos.connections.get(system)
    values: dict[str, Any] = {}
    if current is not None:
        values = join_secrets(MODELS[system], current.settings, current.secrets).model_dump()
    values.update({k: v for k, v in settings.items() if v is not None})
    values.update({k: v for k, v in secrets.items() if v})  # blank: keep the stored secret
    try:
        model: BaseModel = MODELS[system](**values)
    except ValidationError as exc:
        raise InvalidInput(_validation_text(exc)) from None
    plain, hidden = split_secrets(model)
    with hub.repos() as repos:
        repos.connections.save(system, plain, hidden)
        repos.audit.record(by, "connection.save", system.value, {
            "settings": {k: plain.get(k) for k in EDITABLE[system]},
            "secrets_changed": sorted(k for k, v in secrets.items() if v),
        })
    return view(hub, system)


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors()
    )


def check(hub: Hub, system: System, by: str) -> ConnectionView:
    from b1hub.diagnostics import check_salesforce, check_sap

    with hub.repos() as repos:
        if repos.connections.get(system) is None:
            raise ActionRefused(f"no {system.value} connection configured yet")
    result = (check_sap(hub.service_layer_connection()) if system is System.SAP
              else check_salesforce(hub.salesforce_connection()))
    with hub.repos() as repos:
        repos.connections.record_test(system, result.ok, result.message)
        repos.audit.record(by, "connection.test", system.value, {"ok": result.ok})
    return view(hub, system)


def is_active(hub: Hub) -> bool:
    with hub.repos() as repos:
        return repos.features.is_active(SALESFORCE_CONNECTOR)


def activate(hub: Hub, by: str) -> str:
    from b1hub.activation import ActivationRefused
    from b1hub.activation import activate as run_activation
    from b1hub.diagnostics import RemoteFailure
    from b1hub.hub import NotConnected

    try:
        report = run_activation(hub, by=by)
    except (ActivationRefused, RemoteFailure, NotConnected) as exc:
        raise ActionRefused(str(exc)) from exc
    return (f"Salesforce connector activated; {len(report.udfs_created)} SAP field(s) created, "
            f"settings seeded: {', '.join(report.settings_seeded) or 'none'}")


def deactivate(hub: Hub, by: str) -> None:
    with hub.repos() as repos:
        repos.features.set_active(SALESFORCE_CONNECTOR, False, by=by)
        repos.audit.record(by, "feature.deactivate", SALESFORCE_CONNECTOR)
