"""``b1hub runs``, ``b1hub errors`` and ``b1hub link show``: the seed's Logs, from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from b1hub.commands.common import (
    IntegrationOption,
    JsonOption,
    command,
    console,
    fail,
    object_name,
    open_hub,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from b1hub.store.models import RecordOutcome, Run

ObjectOption = Annotated[str | None, typer.Option("--object", help="Only this object.")]
link_app = typer.Typer(help="Cross-references between SAP and Salesforce records.",
                       no_args_is_help=True)


def _run_dict(run: Run) -> dict[str, Any]:
    return {"id": run.id, "object": run.object, "trigger": run.trigger, "status": run.status,
            "started_at": run.started_at, "finished_at": run.finished_at,
            "created": run.created, "updated": run.updated, "skipped": run.skipped,
            "failed": run.failed, "held": run.held, "sap_api_calls": run.sap_api_calls,
            "sf_api_calls": run.sf_api_calls, "message": run.message}


def _outcome_dict(row: RecordOutcome) -> dict[str, Any]:
    return {"id": row.id, "run_id": row.run_id, "object": row.object,
            "direction": row.direction, "action": row.action, "status": row.status,
            "sap_key": row.sap_key, "sf_id": row.sf_id, "code": row.error_code,
            "message": row.error_message, "fields": list(row.error_fields or []),
            "attempt": row.attempt, "at": row.created_at}


def _keys(row: dict[str, Any]) -> str:
    return " / ".join(k for k in (row["sap_key"], row["sf_id"]) if k)


@command
def runs(
    object_: ObjectOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Recent sync and initialization runs, newest first."""
    name = object_name(object_) if object_ else None
    with open_hub(integration) as hub, hub.repos() as repos:
        rows = [_run_dict(r) for r in repos.runs.recent(name, limit=limit)]
    if as_json:
        print_json(rows)
        return
    print_table(None, ["id", "object", "trigger", "status", "started", "created", "updated",
                       "skipped", "failed", "held", "message"],
                [(r["id"], r["object"], r["trigger"], r["status"],
                  r["started_at"].strftime("%Y-%m-%d %H:%M:%S") if r["started_at"] else "",
                  r["created"], r["updated"], r["skipped"], r["failed"], r["held"],
                  r["message"]) for r in rows])


@command
def errors(
    object_: ObjectOption = None,
    retry: Annotated[
        list[str] | None,
        typer.Option("--retry", help="Retry 'all' open errors, or the given ids (repeatable, "
                                     "or comma-separated)."),
    ] = None,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Records that failed, are held or wait for a parent; --retry writes them again."""
    name = object_name(object_) if object_ else None
    if retry:
        _retry(retry, name, integration, as_json)
        return
    with open_hub(integration) as hub, hub.repos() as repos:
        rows = [_outcome_dict(r) for r in repos.outcomes.open_errors(name)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no open errors", markup=False)
        return
    print_table(f"{len(rows)} open", ["id", "object", "keys", "status", "code", "message"],
                [(r["id"], r["object"], _keys(r), r["status"], r["code"], r["message"])
                 for r in rows])
    console.print("retry with `b1hub errors --retry all` or `--retry ID`", markup=False)


def _retry(values: list[str], name: str | None, integration: str, as_json: bool) -> None:
    from b1hub.commands.progress import progress_bars
    from b1hub.commands.sync import print_summaries
    from b1hub.sync.api import retry_errors

    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    ids: list[int] | None
    if [p.lower() for p in parts] == ["all"]:
        ids = None
    else:
        try:
            ids = [int(p) for p in parts]
        except ValueError:
            fail(f"--retry takes 'all' or error ids, not {', '.join(parts)!r}")
    with open_hub(integration) as hub:
        if ids is not None:
            with hub.repos() as repos:
                found = {row.id for row in repos.outcomes.get_many(ids)}
            unknown = [i for i in ids if i not in found]
            if unknown:
                fail(f"no error with id {', '.join(map(str, unknown))} in integration "
                     f"{integration!r} (see `b1hub errors`)")
        with progress_bars("retry", enabled=not as_json) as bars:
            summaries = retry_errors(hub, object_name=name, outcome_ids=ids, progress=bars)
    if not summaries and not as_json:
        console.print("nothing to retry", markup=False)
    print_summaries(summaries, as_json)


@link_app.command("show")
@command
def link_show(
    object_: Annotated[str, typer.Argument(metavar="OBJECT", help="account, product, ...")],
    key: Annotated[str, typer.Argument(help="SAP key (CardCode, ItemCode) or Salesforce Id.")],
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """One record's cross-reference and everything that happened to it."""
    name = object_name(object_)
    with open_hub(integration) as hub, hub.repos() as repos:
        link = repos.links.by_sap_key(name, key) or repos.links.by_sf_id(name, key)
        if link is not None:
            history = repos.outcomes.history(name, sap_key=link.sap_key, sf_id=link.sf_id)
        else:
            history = repos.outcomes.history(name, sap_key=key, sf_id=key)
        if link is None and not history:
            fail(f"no {name} known by {key!r} in integration {integration!r}: not linked and "
                 "never synced")
        history_rows = [_outcome_dict(r) for r in history]
        data: dict[str, Any] = {
            "object": name,
            "link": None if link is None else {
                "sap_key": link.sap_key, "sf_id": link.sf_id, "created_at": link.created_at,
                "last_synced_at": link.last_synced_at, "sap_updated": link.sap_updated,
                "sf_updated": link.sf_updated,
            },
            "history": history_rows,
        }
    if as_json:
        print_json(data)
        return
    if link is None:
        console.print(f"{name} {key}: not linked", markup=False)
    else:
        console.print(f"{name}: SAP {link.sap_key} <-> Salesforce {link.sf_id}, last synced "
                      f"{link.last_synced_at or 'never'}", markup=False)
    print_table("history", ["at", "run", "direction", "action", "status", "message"], [
        (r["at"].strftime("%Y-%m-%d %H:%M:%S"), r["run_id"], r["direction"], r["action"],
         r["status"], r["message"] or "") for r in history_rows
    ])


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)
    app.command("errors")(errors)
    app.add_typer(link_app, name="link")
