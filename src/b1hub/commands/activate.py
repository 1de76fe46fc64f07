"""``b1hub activate``: the seed's feature activation, made safe to repeat."""

from __future__ import annotations

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    actor,
    command,
    console,
    fail,
    open_hub,
    print_json,
)


@command
def activate(integration: IntegrationOption = "default", as_json: JsonOption = False) -> None:
    """Check connections and Salesforce external ids, create the SAP UDFs, switch the connector on.

    Safe to run again: existing fields and settings are kept.
    """
    from b1hub.activation import ActivationRefused
    from b1hub.activation import activate as run_activation
    from b1hub.diagnostics import RemoteFailure, check_salesforce, check_sap

    with open_hub(integration) as hub:
        for result in (check_sap(hub.service_layer_connection()),
                       check_salesforce(hub.salesforce_connection())):
            if not result.ok:
                fail(f"{result.system} connection failed: {result.message}")
        try:
            report = run_activation(hub, by=actor())
        except (ActivationRefused, RemoteFailure) as exc:
            fail(f"not activated: {exc}")
    if as_json:
        print_json({"active": True, "udfs_created": report.udfs_created,
                    "udfs_existing": report.udfs_existing,
                    "settings_seeded": report.settings_seeded,
                    "settings_not_seeded": report.settings_not_seeded})
        return
    for label in report.udfs_created:
        console.print(f"created SAP user-defined field {label}", markup=False)
    if report.udfs_existing:
        console.print(f"already present: {', '.join(report.udfs_existing)}", markup=False)
    for key, value in report.settings_seeded.items():
        console.print(f"setting {key} = {value} (default)", markup=False)
    for key, reason in report.settings_not_seeded.items():
        console.print(f"setting {key} left unset: {reason}", markup=False)
    console.print("Salesforce connector activated. Next: `b1hub select customers ...`, "
                  "`b1hub init account`.", markup=False)


def register(app: typer.Typer) -> None:
    app.command("activate")(activate)
