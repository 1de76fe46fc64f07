"""Field mappings, UDFs and value maps for the console and the API.

The rules live in :mod:`b1hub.mapping`; this module only turns their refusals into the
console's (a refused mapping is invalid input, shown next to the form with its reason)
and their remote failures into a message instead of an error page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from b1hub.hub import Hub, NotConnected
from b1hub.mapping import store, udfs
from b1hub.mapping.catalog import OBJECT_TABLES
from b1hub.mapping.sheets import SheetError
from b1hub.mapping.store import CustomFieldRow, MappingRefused, MappingRequest, ShownRow
from b1hub.mapping.values import ValueMap
from b1hub.objects.registry import REGISTRY, get_spec
from b1hub.store.repositories.mappings import FIELDS
from b1hub.store.types import ObjectDirection
from b1hub.web.services.errors import ActionRefused, InvalidInput, NotFound


@dataclass(frozen=True)
class FieldTable:
    object: str
    direction: ObjectDirection
    version: int
    by: str | None
    at: datetime | None
    fields: list[ShownRow]


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    by: str
    at: datetime
    fields: list[dict[str, Any]]


@dataclass(frozen=True)
class SavedRow:
    version: int
    name: str
    sap: str | None
    salesforce: str | None
    direction: ObjectDirection
    transform: str | None
    value_map: str | None
    required: bool


@contextmanager
def remote(action: str) -> Iterator[None]:
    """A remote read that fails (no connection, SAP or Salesforce down) refuses the action."""
    from b1hub.diagnostics import RemoteFailure

    try:
        yield
    except (NotConnected, RemoteFailure, RuntimeError) as exc:
        raise ActionRefused(f"{action}: {exc}") from exc


def object_names() -> list[str]:
    return list(REGISTRY)


def known(object_name: str) -> str:
    try:
        return get_spec(object_name).name
    except ValueError as exc:  # UnknownObject, or a name that is no object at all
        raise NotFound(str(exc)) from None


def field_table(hub: Hub, object_name: str) -> FieldTable:
    spec = get_spec(known(object_name))
    with hub.repos() as repos:
        version = store.current_version(repos, spec.name)
        rows = store.shown_rows(repos, spec)
    return FieldTable(spec.name, spec.direction, version.version, version.by, version.at, rows)


def history(hub: Hub, object_name: str) -> list[HistoryEntry]:
    """Newest first: what a person looks for is the last change."""
    name = known(object_name)
    with hub.repos() as repos:
        return [HistoryEntry(v.version, v.created_by, v.created_at, list(v.data))
                for v in reversed(repos.mappings.history(FIELDS, name))]


def set_row(hub: Hub, request: MappingRequest, by: str) -> SavedRow:
    name = known(request.object)
    if name not in OBJECT_TABLES:
        raise InvalidInput(f"{name} has no field catalogue yet: its mappings cannot be "
                           "changed (b1hub.mapping.catalog.OBJECT_TABLES)")
    with remote("cannot check the mapping against SAP and Salesforce"):
        try:
            row, version = store.set_mapping(hub, request, by)
        except (MappingRefused, SheetError) as exc:
            raise InvalidInput(str(exc)) from None
    return SavedRow(version, row.name, row.sap, row.salesforce, row.direction, row.transform,
                    row.value_map, row.required)


def unmap(hub: Hub, object_name: str, sap: str, by: str) -> int:
    try:
        return store.unmap(hub, known(object_name), sap, by)
    except MappingRefused as exc:
        raise NotFound(str(exc)) from None


def reset(hub: Hub, object_name: str, by: str) -> int:
    return store.reset(hub, known(object_name), by)


def udf_request(
    object_name: str, udf: str, field: str, *, address: str | None,
    direction: ObjectDirection | None, value_map: str | None,
) -> MappingRequest:
    try:
        path = udfs.udf_path(udf, address)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return MappingRequest(known(object_name), path, field.strip(), direction, value_map)


def retrieve(hub: Hub) -> udfs.RetrieveReport:
    with remote("cannot retrieve custom fields"):
        return udfs.retrieve(hub)


def custom_fields(hub: Hub, object_name: str | None = None) -> list[CustomFieldRow]:
    with hub.repos() as repos:
        return store.custom_field_rows(repos, known(object_name) if object_name else None)


def value_maps(hub: Hub) -> dict[str, ValueMap]:
    with hub.repos() as repos:
        return dict(sorted(store.value_maps(repos).items()))


def value_map(hub: Hub, name: str) -> ValueMap:
    found = value_maps(hub).get(name)
    if found is None:
        raise NotFound(f"no value map {name!r}")
    return found


def extend_values(hub: Hub, name: str, pairs: list[tuple[str, str]], by: str) -> ValueMap:
    if not pairs:
        raise InvalidInput("give at least one SAP=Salesforce pair")
    try:
        return store.extend_values(hub, name, pairs, by)
    except MappingRefused as exc:
        raise InvalidInput(str(exc)) from None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``SAP=Salesforce`` pairs, one a line (blank lines ignored)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    try:
        return store.parse_pairs(lines)
    except MappingRefused as exc:
        raise InvalidInput(str(exc)) from None
