"""``b1hub status``: the seed's Initialization Status view, plus what gates Sync Now."""

from __future__ import annotations

from typing import Any

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    command,
    console,
    open_hub,
    print_json,
    print_table,
)


@command
def status(integration: IntegrationOption = "default", as_json: JsonOption = False) -> None:
    """Activation, and per object: initialization, marked records, open errors, last run."""
    from b1hub.objects.registry import REGISTRY
    from b1hub.store.repositories import SALESFORCE_CONNECTOR

    with open_hub(integration) as hub, hub.repos() as repos:
        errors = repos.outcomes.open_counts()
        objects: list[dict[str, Any]] = []
        for name in REGISTRY:
            row = repos.objects.get(name)
            last = repos.runs.latest(name)
            objects.append({
                "object": name,
                "init_status": row.init_status if row else "not_started",
                "initialized_at": row.initialized_at if row else None,
                "linked": row.init_linked if row else 0,
                "created": row.init_created if row else 0,
                "held": row.init_held if row else 0,
                "marked": repos.selections.count(name),
                "open_errors": errors.get(name, 0),
                "last_run": None if last is None else {
                    "id": last.id, "status": last.status, "finished_at": last.finished_at},
            })
        data = {"integration": integration,
                "active": repos.features.is_active(SALESFORCE_CONNECTOR),
                "objects": objects}
    if as_json:
        print_json(data)
        return
    state = "active" if data["active"] else "not activated (run `b1hub activate`)"
    console.print(f"integration {integration}: Salesforce connector {state}", markup=False)
    print_table("initialization status", ["object", "status", "linked", "created", "held",
                                          "marked", "open errors", "last run"], [
        (o["object"], o["init_status"], o["linked"], o["created"], o["held"], o["marked"],
         o["open_errors"],
         "" if o["last_run"] is None else f"{o['last_run']['id']} {o['last_run']['status']}")
        for o in objects])


def register(app: typer.Typer) -> None:
    app.command("status")(status)
