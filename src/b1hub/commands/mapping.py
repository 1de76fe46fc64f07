"""``b1hub mapping``, ``b1hub udf`` and ``b1hub link template|upload``: field mappings,
UDF integration and the Master Data Mapping Tool."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
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
from b1hub.commands.logs import link_app
from b1hub.store.types import ObjectDirection

if TYPE_CHECKING:
    from b1hub.mapping.link_upload import UploadReport
    from b1hub.mapping.store import MappingRequest

mapping_app = typer.Typer(help="Field mappings and value maps, per object.",
                          no_args_is_help=True)
udf_app = typer.Typer(help="User-defined fields (SAP) and custom fields (Salesforce).",
                      no_args_is_help=True)

ObjectArg = Annotated[str, typer.Argument(metavar="OBJECT", help="account, product, ...")]
DirectionOption = Annotated[
    ObjectDirection | None,
    typer.Option("--direction", help="both | sap_to_salesforce | salesforce_to_sap "
                 "(default: the object's direction)."),
]
ValueMapOption = Annotated[
    str | None, typer.Option("--value-map", help="Value map translating the values.")]
AddressOption = Annotated[
    str | None, typer.Option("--address", help="bill | ship: a UDF of the addresses (CRD1).")]


def _refusals() -> tuple[type[Exception], ...]:
    from b1hub.mapping.sheets import SheetError
    from b1hub.mapping.store import MappingRefused

    return MappingRefused, SheetError


def _apply(request: MappingRequest, integration: str, as_json: bool) -> None:
    from b1hub.mapping.store import set_mapping

    with open_hub(integration) as hub:
        try:
            row, version = set_mapping(hub, request, actor())
        except _refusals() as exc:
            fail(str(exc))
    if as_json:
        print_json({"version": version, **asdict(row)})
        return
    console.print(f"{request.object}: SAP {row.sap} <-> Salesforce {row.salesforce} "
                  f"({row.direction.value}, transform {row.transform}"
                  f"{', value map ' + row.value_map if row.value_map else ''}); "
                  f"mapping version {version}", markup=False)


@mapping_app.command("show")
@command
def mapping_show(object_: ObjectArg, integration: IntegrationOption = "default",
                 as_json: JsonOption = False) -> None:
    """The object's field table: defaults with the user's changes (source default|user)."""
    from b1hub.mapping.store import current_version, shown_rows
    from b1hub.objects.registry import get_spec

    spec = get_spec(object_name(object_))
    with open_hub(integration) as hub, hub.repos() as repos:
        rows = [asdict(r) for r in shown_rows(repos, spec)]
        version = asdict(current_version(repos, spec.name))
    if as_json:
        print_json({"object": spec.name, **version, "fields": rows})
        return
    print_table(f"{spec.name} field map, version {version['version']}"
                + (f" by {version['by']} at {version['at']:%Y-%m-%d %H:%M}" if version["by"]
                   else " (defaults)"),
                ["name", "SAP", "Salesforce", "direction", "value map", "transform",
                 "required", "source"],
                [(r["name"], r["sap"], r["salesforce"], r["direction"], r["value_map"],
                  r["transform"], "yes" if r["required"] else "", r["source"]) for r in rows])


@mapping_app.command("set")
@command
def mapping_set(
    object_: ObjectArg,
    sap: Annotated[str, typer.Option("--sap", help="SAP field, UDF or address path.")],
    salesforce: Annotated[str, typer.Option("--salesforce", help="Salesforce field.")],
    direction: DirectionOption = None, value_map: ValueMapOption = None,
    transform: Annotated[str | None, typer.Option("--transform")] = None,
    required: Annotated[bool, typer.Option("--required")] = False,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Map a SAP field to a Salesforce field (checked against both systems first)."""
    from b1hub.mapping.store import MappingRequest

    _apply(MappingRequest(object_name(object_), sap, salesforce, direction, value_map,
                          transform, required), integration, as_json)


@mapping_app.command("reset")
@command
def mapping_reset(object_: ObjectArg, integration: IntegrationOption = "default") -> None:
    """Back to the object's default field map (the history is kept)."""
    from b1hub.mapping.store import reset

    with open_hub(integration) as hub:
        version = reset(hub, object_name(object_), actor())
    console.print(f"{object_name(object_)}: default field map restored (version {version})",
                  markup=False)


@mapping_app.command("history")
@command
def mapping_history(object_: ObjectArg, integration: IntegrationOption = "default",
                    as_json: JsonOption = False) -> None:
    """Every saved version of the object's user mappings: who, when, what."""
    from b1hub.store.repositories.mappings import FIELDS

    name = object_name(object_)
    with open_hub(integration) as hub, hub.repos() as repos:
        rows: list[dict[str, Any]] = [{"version": v.version, "by": v.created_by,
                                       "at": v.created_at, "fields": v.data}
                                      for v in repos.mappings.history(FIELDS, name)]
    if as_json:
        print_json(rows)
        return
    print_table(f"{name} mapping history", ["version", "by", "at", "user rows"], [
        (r["version"], r["by"], r["at"], ", ".join(f"{f['sap']}->{f['salesforce']}"
                                                  for f in r["fields"]) or "(defaults)")
        for r in rows])


@mapping_app.command("values")
@command
def mapping_values(
    name: Annotated[str, typer.Argument(help="countries, states, payment_terms, ...")],
    add: Annotated[list[str] | None, typer.Option("--add", help="SAP=Salesforce pair.")] = None,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Show a value map; --add extends it (a user pair overrides a default one)."""
    from b1hub.mapping.store import extend_values, parse_pairs, value_maps

    with open_hub(integration) as hub:
        try:
            if add:
                vmap = extend_values(hub, name, parse_pairs(add), actor())
            else:
                with hub.repos() as repos:
                    maps = value_maps(repos)
                if name not in maps:
                    fail(f"no value map {name!r}; known: {', '.join(sorted(maps))}")
                vmap = maps[name]
        except _refusals() as exc:
            fail(str(exc))
    if as_json:
        print_json({"name": vmap.name, "pairs": [{"sap": s, "salesforce": f}
                                                 for s, f in vmap.pairs]})
        return
    print_table(f"value map {vmap.name}", ["SAP", "Salesforce"], vmap.pairs)


@udf_app.command("retrieve")
@command
def udf_retrieve(integration: IntegrationOption = "default", as_json: JsonOption = False) -> None:
    """Read SAP UDFs (UserFieldsMD) and Salesforce custom fields (describe) into the hub."""
    from b1hub.mapping.udfs import retrieve

    with open_hub(integration) as hub:
        report = retrieve(hub)
    if as_json:
        print_json(asdict(report))
        return
    print_table("retrieved", ["system", "table / object", "fields"],
                [("SAP", t, n) for t, n in report.sap.items()]
                + [("Salesforce", o, n) for o, n in report.salesforce.items()])
    for sobject, why in report.skipped.items():
        console.print(f"skipped Salesforce {sobject}: {why}", markup=False)


@udf_app.command("list")
@command
def udf_list(integration: IntegrationOption = "default", as_json: JsonOption = False) -> None:
    """The retrieved custom fields of both systems, with what each is mapped to."""
    from b1hub.mapping.store import custom_field_rows

    with open_hub(integration) as hub, hub.repos() as repos:
        rows = [asdict(c) for c in custom_field_rows(repos)]
    if as_json:
        print_json(rows)
        return
    from b1hub.mapping.udfs import definition_text

    if not rows:
        console.print("nothing retrieved yet: run `b1hub udf retrieve`", markup=False)
        return
    print_table(f"{len(rows)} custom fields", ["system", "table", "field", "type", "mapped"], [
        (r["system"], r["table"], r["name"], definition_text(r["system"], r["definition"]),
         "; ".join(r["mapped"])) for r in rows])


def _udf_path(udf: str, address: str | None) -> str:
    from b1hub.mapping.udfs import udf_path

    try:
        return udf_path(udf, address)
    except ValueError as exc:
        fail(f"--{exc}")


@udf_app.command("map")
@command
def udf_map(
    object_: ObjectArg,
    udf: Annotated[str, typer.Argument(metavar="U_FIELD", help="SAP UDF (U_ optional).")],
    field: Annotated[str, typer.Argument(metavar="FIELD__C", help="Salesforce field.")],
    address: AddressOption = None, direction: DirectionOption = None,
    value_map: ValueMapOption = None,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Map a SAP UDF to a Salesforce field; refused with the reason when incompatible."""
    from b1hub.mapping.store import MappingRequest

    _apply(MappingRequest(object_name(object_), _udf_path(udf, address), field, direction,
                          value_map), integration, as_json)


@udf_app.command("unmap")
@command
def udf_unmap(
    object_: ObjectArg,
    udf: Annotated[str, typer.Argument(metavar="U_FIELD")],
    address: AddressOption = None, integration: IntegrationOption = "default",
) -> None:
    """Stop syncing one mapped field (every other field keeps syncing)."""
    from b1hub.mapping.store import unmap

    name, path = object_name(object_), _udf_path(udf, address)
    with open_hub(integration) as hub:
        try:
            version = unmap(hub, name, path, actor())
        except _refusals() as exc:
            fail(str(exc))
    console.print(f"{name}: {path} no longer synced (mapping version {version})", markup=False)


@link_app.command("template")
@command
def link_template(
    object_: Annotated[str, typer.Argument(metavar="OBJECT",
                                           help="account | lead | contact | product")],
    out: Annotated[Path, typer.Option("--out", help="FILE.xlsx or FILE.csv")],
    integration: IntegrationOption = "default",
) -> None:
    """Download the Salesforce records not linked yet, with empty SAP key columns to fill."""
    from b1hub.mapping.template import kind_of, write_template

    try:
        kind = kind_of(object_)
    except ValueError as exc:
        fail(str(exc))
    with open_hub(integration) as hub:
        try:
            count = write_template(hub, kind, out)
        except _refusals() as exc:
            fail(str(exc))
    console.print(f"wrote {count} unlinked {kind.sobject} records to {out}; fill "
                  f"{', '.join(kind.keys)} and run `b1hub link upload {out}`", markup=False)


@link_app.command("upload")
@command
def link_upload(
    file: Annotated[Path, typer.Argument(help="A filled template (.xlsx or .csv).")],
    valid_rows_only: Annotated[bool, typer.Option(
        "--valid-rows-only", help="Link the valid rows even if others are invalid.")] = False,
    integration: IntegrationOption = "default", as_json: JsonOption = False,
) -> None:
    """Validate every row of a filled template, then link (only a fully valid file,
    unless --valid-rows-only)."""
    from b1hub.mapping.link_upload import upload

    with open_hub(integration) as hub:
        try:
            report = upload(hub, file, valid_rows_only=valid_rows_only, by=actor())
        except _refusals() as exc:
            fail(str(exc))
    _print_upload(report, as_json)
    if not report.applied:
        raise typer.Exit(1)


def _print_upload(report: UploadReport, as_json: bool) -> None:
    summary = report.summary()
    if as_json:
        print_json(report.to_json())
        return
    if report.invalid:
        print_table(f"{len(report.invalid)} invalid rows", ["row", "Salesforce Id", "SAP key",
                                                            "reason"],
                    [(r.row, r.sf_id, r.sap_key, "; ".join(t for _, t in r.problems))
                     for r in report.invalid])
    if report.applied:
        console.print(f"linked {summary['linked']} {report.object} records "
                      f"({summary['unchanged']} already linked, {summary['invalid']} invalid "
                      "rows left out)", markup=False)
    else:
        console.print(f"nothing linked: fix the {summary['invalid']} invalid rows, or upload "
                      "with --valid-rows-only", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(mapping_app, name="mapping")
    app.add_typer(udf_app, name="udf")
