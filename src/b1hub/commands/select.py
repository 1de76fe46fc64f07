"""``b1hub select``: Set Customers / Set Items for Synchronization."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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
    print_table,
)

if TYPE_CHECKING:
    from b1hub.selection import Candidate, Criteria, Kind

app = typer.Typer(help="Choose the SAP customers and items synchronized to Salesforce.",
                  no_args_is_help=True)

CodeFrom = Annotated[str | None, typer.Option("--code-from", help="First code (inclusive).")]
CodeTo = Annotated[str | None, typer.Option("--code-to", help="Last code (inclusive).")]
GroupFrom = Annotated[int | None, typer.Option("--group-from", help="First group (inclusive).")]
GroupTo = Annotated[int | None, typer.Option("--group-to", help="Last group (inclusive).")]
Codes = Annotated[
    str | None, typer.Option("--codes", help="Comma-separated codes to mark (from the list).")
]
AllMatching = Annotated[bool, typer.Option("--all-matching", help="Mark every matching record.")]


def _kind(text: str) -> Kind:
    lowered = text.strip().lower()
    if lowered in ("customer", "customers", "account", "accounts"):
        return "customers"
    if lowered in ("item", "items", "product", "products"):
        return "items"
    fail(f"unknown selection {text!r}; use customers or items")


def _select(
    kind: Kind, criteria: Criteria, codes: str | None, all_matching: bool,
    account_type: str | None, integration: str, as_json: bool,
) -> None:
    from b1hub import selection
    from b1hub.diagnostics import RemoteFailure
    from b1hub.selection import SelectionError

    if codes is not None and all_matching:
        fail("give either --codes or --all-matching, not both")
    marking = codes is not None or all_matching
    try:
        with open_hub(integration) as hub:
            if kind == "customers" and marking:
                with hub.salesforce() as salesforce:
                    allowed = selection.account_types(salesforce)
                account_type = selection.check_account_type(account_type, allowed)
            with hub.service_layer() as sap:
                candidates = selection.find(sap, kind, criteria)
            chosen: list[Candidate] = []
            if marking:
                chosen = selection.choose(
                    candidates, None if all_matching else (codes or "").split(","))
                if not chosen:
                    fail("nothing to mark: no record matches the criteria")
                with hub.repos() as repos:
                    selection.mark(repos, kind, chosen, account_type, actor())
    except (SelectionError, RemoteFailure) as exc:
        fail(str(exc))
    _show_result(kind, candidates, chosen, account_type, marking, as_json)


def _show_result(
    kind: Kind, candidates: list[Candidate], chosen: list[Candidate], account_type: str | None,
    marking: bool, as_json: bool,
) -> None:
    marked = {c.code for c in chosen}
    if as_json:
        print_json({
            "matching": [{"code": c.code, "name": c.name, "group": c.group,
                          "marked": c.code in marked} for c in candidates],
            "marked": len(chosen),
            "account_type": account_type if kind == "customers" and marking else None,
        })
        return
    print_table(f"{len(candidates)} matching {kind}", ["code", "name", "group", "marked"], [
        (c.code, c.name, c.group, "yes" if c.code in marked else "") for c in candidates
    ])
    if marking:
        suffix = f" with Account Type {account_type!r}" if kind == "customers" else ""
        console.print(f"marked {len(chosen)} {kind} for synchronization{suffix}", markup=False)
    elif candidates:
        console.print("nothing marked yet: pass --codes C1,C2 or --all-matching to mark",
                      markup=False)


@app.command("customers")
@command
def select_customers(
    code_from: CodeFrom = None, code_to: CodeTo = None,
    group_from: GroupFrom = None, group_to: GroupTo = None,
    account_type: Annotated[
        str | None, typer.Option("--account-type",
                                 help="Salesforce Account Type (mandatory when marking).")
    ] = None,
    codes: Codes = None, all_matching: AllMatching = False,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """List SAP customers by code and group range; mark them with --codes or --all-matching."""
    from b1hub.selection import Criteria

    _select("customers", Criteria(code_from, code_to, group_from, group_to), codes,
            all_matching, account_type, integration, as_json)


@app.command("items")
@command
def select_items(
    code_from: CodeFrom = None, code_to: CodeTo = None,
    group_from: GroupFrom = None, group_to: GroupTo = None,
    codes: Codes = None, all_matching: AllMatching = False,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """List SAP items by code and item group range; mark them with --codes or --all-matching."""
    from b1hub.selection import Criteria

    _select("items", Criteria(code_from, code_to, group_from, group_to), codes,
            all_matching, None, integration, as_json)


@app.command("show")
@command
def select_show(
    what: Annotated[str, typer.Argument(help="customers | items")],
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """The records marked for synchronization."""
    from b1hub.selection import SOURCES

    kind = _kind(what)
    with open_hub(integration) as hub, hub.repos() as repos:
        rows = [{"code": s.sap_key, "name": s.label, "account_type": s.account_type,
                 "selected_at": s.selected_at, "selected_by": s.selected_by}
                for s in repos.selections.all(SOURCES[kind].object_name)]
    if as_json:
        print_json(rows)
        return
    columns = ["code", "name", "account_type", "selected_at"]
    if kind == "items":
        columns.remove("account_type")
    print_table(f"{len(rows)} {kind} marked", columns, [[r[c] for c in columns] for r in rows])


@app.command("remove")
@command
def select_remove(
    what: Annotated[str, typer.Argument(help="customers | items")],
    codes: Annotated[str, typer.Option("--codes", help="Comma-separated codes to unmark.")],
    integration: IntegrationOption = "default",
) -> None:
    """Stop synchronizing the given records (nothing is deleted in either system)."""
    from b1hub import selection

    kind = _kind(what)
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    if not wanted:
        fail("--codes is empty")
    with open_hub(integration) as hub, hub.repos() as repos:
        removed = selection.unmark(repos, kind, wanted, actor())
    console.print(f"unmarked {removed} of {len(wanted)} {kind}", markup=False)
