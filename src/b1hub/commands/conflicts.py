"""``b1hub conflicts list|resolve``: records both systems changed, held for a person."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    actor,
    command,
    console,
    fail,
    object_name,
    open_hub,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from b1hub.store.models import Conflict

app = typer.Typer(help="Records changed on both sides, held for review.", no_args_is_help=True)


class Take(StrEnum):
    SAP = "sap"
    SALESFORCE = "salesforce"


def _conflict_dict(row: Conflict) -> dict[str, Any]:
    fields = sorted(name for name in set(row.sap_version) | set(row.sf_version)
                    if row.sap_version.get(name) != row.sf_version.get(name))
    return {"id": row.id, "object": row.object, "sap_key": row.sap_key, "sf_id": row.sf_id,
            "status": row.status, "fields": fields, "sap": row.sap_version,
            "salesforce": row.sf_version, "resolution": row.resolution,
            "resolved_by": row.resolved_by, "at": row.updated_at}


@app.command("list")
@command
def list_(
    object_: Annotated[str | None, typer.Option("--object", help="Only this object.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Settled conflicts too (the log).")] = False,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Open conflicts with both versions (``--all``: the whole conflict log)."""
    name = object_name(object_) if object_ else None
    with open_hub(integration) as hub, hub.repos() as repos:
        rows = repos.conflicts.history(name) if all_ else repos.conflicts.open(name)
        data = [_conflict_dict(r) for r in rows]
    if as_json:
        print_json(data)
        return
    if not data:
        console.print("no open conflicts" if not all_ else "no conflicts", markup=False)
        return
    print_table(f"{len(data)} conflict(s)", ["id", "object", "keys", "field", "SAP",
                                             "Salesforce", "status"],
                [(r["id"], r["object"], f"{r['sap_key']} / {r['sf_id']}", f,
                  r["sap"].get(f), r["salesforce"].get(f),
                  r["resolution"] or r["status"]) for r in data for f in r["fields"] or [""]])
    if not all_:
        console.print("resolve with `b1hub conflicts resolve ID --take sap|salesforce`",
                      markup=False)


@app.command("resolve")
@command
def resolve(
    conflict_id: Annotated[int, typer.Argument(metavar="ID", help="From `conflicts list`.")],
    take: Annotated[Take, typer.Option("--take", help="The side whose values win.")],
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Take one side's values for a held record and sync it now."""
    from b1hub.store.types import ConflictResolution
    from b1hub.sync.resolve import ConflictNotOpen, resolve_conflict

    choice = ConflictResolution(take.value)
    with open_hub(integration) as hub:
        try:
            done = resolve_conflict(hub, conflict_id, choice, by=actor())
        except ConflictNotOpen as exc:
            fail(str(exc))
    data = {"id": done.conflict_id, "object": done.object, "sap_key": done.sap_key,
            "sf_id": done.sf_id, "taken": done.taken, "run_id": done.run.run_id,
            "status": done.run.status, "created": done.run.created,
            "updated": done.run.updated, "failed": done.run.failed, "held": done.run.held}
    if as_json:
        print_json(data)
        return
    console.print(f"conflict {done.conflict_id} resolved: {done.object} {done.sap_key} / "
                  f"{done.sf_id} takes the {take.value} version (run {done.run.run_id} "
                  f"{done.run.status.value}, updated {done.run.updated}, failed "
                  f"{done.run.failed})", markup=False)
