"""The user's field mappings and value map extensions: stored, versioned, validated.

An object's *effective* map is its default table with the user's rows laid over it: a
user row replaces the default row with the same canonical name, SAP field or Salesforce
field, and adds a field (a UDF, say) otherwise. Removing a user row therefore restores
the default or, for an added field, stops that field and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from b1hub.mapping import compat
from b1hub.mapping.catalog import OBJECT_TABLES
from b1hub.mapping.fields import FieldMap, ObjectMap
from b1hub.mapping.transforms import get_transform
from b1hub.mapping.udfs import sap_field, sf_field
from b1hub.mapping.values import DEFAULT_VALUE_MAPS, ValueMap
from b1hub.objects.registry import REGISTRY, get_spec
from b1hub.objects.spec import ObjectSpec
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.mappings import FIELDS, VALUES
from b1hub.store.types import ObjectDirection

if TYPE_CHECKING:
    from b1hub.hub import Hub

MAP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class MappingRefused(ValueError):
    """A mapping change that is not saved, with the reason."""


@dataclass(frozen=True)
class MappingRequest:
    object: str
    sap: str
    salesforce: str
    direction: ObjectDirection | None = None
    value_map: str | None = None
    transform: str | None = None
    required: bool = False


@dataclass(frozen=True)
class ShownRow:
    """One row of ``b1hub mapping show``."""

    name: str
    sap: str | None
    salesforce: str | None
    direction: str
    value_map: str | None
    transform: str | None
    required: bool
    udf: bool
    source: str


@dataclass(frozen=True)
class MapVersion:
    """The current version of an object's user mappings (0, no author: the defaults)."""

    version: int
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class CustomFieldRow:
    """A retrieved custom field and the mappings that use it (``b1hub udf list``)."""

    system: str
    table: str
    name: str
    definition: dict[str, Any]
    mapped: list[str]
    retrieved_at: datetime


def _row_to_field(row: dict[str, Any]) -> FieldMap:
    return FieldMap(row["name"], row.get("sap"), row.get("salesforce"),
                    ObjectDirection(row["direction"]), row.get("transform"),
                    row.get("value_map"), bool(row.get("required")))


def _field_to_row(f: FieldMap) -> dict[str, Any]:
    return {**asdict(f), "direction": f.direction.value}


def user_fields(repos: Repositories, object_name: str) -> list[FieldMap]:
    return [_row_to_field(r) for r in repos.mappings.data(FIELDS, object_name)]


def value_maps(repos: Repositories) -> dict[str, ValueMap]:
    """Default maps with the user's pairs first (a user pair overrides a default one)."""
    out = dict(DEFAULT_VALUE_MAPS)
    for name in repos.mappings.names(VALUES):
        pairs = tuple((str(s), str(f)) for s, f in repos.mappings.data(VALUES, name))
        base = out.get(name, ValueMap(name, ()))
        out[name] = ValueMap(name, (*pairs, *base.pairs))
    return out


def _overlay(defaults: tuple[FieldMap, ...], users: list[FieldMap]) -> tuple[FieldMap, ...]:
    names = {u.name for u in users}
    saps = {u.sap for u in users if u.sap}
    sfs = {u.salesforce for u in users if u.salesforce}
    kept = [d for d in defaults
            if d.name not in names and d.sap not in saps and d.salesforce not in sfs]
    return (*kept, *users)


def effective_map(source: Repositories | Hub, spec: ObjectSpec) -> ObjectMap:
    """``spec``'s default map with the user's stored rows and value maps applied."""
    if not isinstance(source, Repositories):
        with source.repos() as repos:
            return effective_map(repos, spec)
    users = user_fields(source, spec.name)
    return ObjectMap(_overlay(spec.field_map.fields, users), value_maps(source))


def effective_spec(source: Repositories | Hub, spec: ObjectSpec) -> ObjectSpec:
    """``spec`` carrying its effective map: what a run works with."""
    return replace(spec, field_map=effective_map(source, spec))


def shown_rows(repos: Repositories, spec: ObjectSpec) -> list[ShownRow]:
    users = user_fields(repos, spec.name)
    user_names = {u.name for u in users}
    return [
        ShownRow(f.name, f.sap, f.salesforce, f.direction.value, f.value_map, f.transform,
                 f.required, bool(f.sap and f.sap.rsplit(".", 1)[-1].startswith("U_")),
                 "user" if f.name in user_names else "default")
        for f in _overlay(spec.field_map.fields, users)
    ]


def current_version(repos: Repositories, object_name: str) -> MapVersion:
    current = repos.mappings.current(FIELDS, object_name)
    if current is None:
        return MapVersion(0, None, None)
    return MapVersion(current.version, current.created_by, current.created_at)


def custom_field_rows(repos: Repositories, object_name: str | None = None) -> list[CustomFieldRow]:
    """The retrieved fields (of one object's tables, when given) with what maps them."""
    mapped: dict[str, list[str]] = {}
    for spec in REGISTRY.values():
        for f in user_fields(repos, spec.name):
            label = f"{spec.name}: {f.sap} <-> {f.salesforce}"
            for side in (f.sap or "", f.salesforce or ""):
                mapped.setdefault(side.rsplit(".", 1)[-1], []).append(label)
    wanted: set[tuple[str, str | None]] | None = None
    if object_name is not None:
        tables = OBJECT_TABLES.get(get_spec(object_name).name)
        wanted = set() if tables is None else {
            ("sap", tables.header_table), ("sap", tables.address_table),
            ("salesforce", tables.sobject)}
    return [CustomFieldRow(c.system, c.table, c.name, dict(c.definition),
                           mapped.get(c.name, []), c.retrieved_at)
            for c in repos.custom_fields.all()
            if wanted is None or (c.system, c.table) in wanted]


def _decimals(repos: Repositories) -> compat.Decimals:
    s = repos.settings.get()
    return compat.Decimals(s.decimals_sum, s.decimals_price, s.decimals_rate,
                           s.decimals_quantity, s.decimals_percent, s.decimals_measure)


def _name_for(spec: ObjectSpec, users: list[FieldMap], sap: str, salesforce: str) -> str:
    """Reuse the canonical name of the row replaced (so merge bases stay valid)."""
    for f in (*users, *spec.field_map.fields):
        if f.sap == sap or f.salesforce == salesforce:
            return f.name
    return sap


def _check_direction(spec: ObjectSpec, direction: ObjectDirection) -> None:
    if spec.direction is not ObjectDirection.BOTH and direction is not spec.direction:
        raise MappingRefused(f"{spec.name} syncs {spec.direction.value} only; a field of it "
                             f"cannot flow {direction.value}")


def _check_reserved(spec: ObjectSpec, request: MappingRequest) -> None:
    if request.salesforce.lower() in (spec.salesforce_external_id.lower(), "id"):
        raise MappingRefused(f"{request.salesforce} holds the cross-reference the hub keeps; "
                             "it cannot be mapped")
    if request.sap == spec.sap_key and request.salesforce != "AccountNumber":
        raise MappingRefused(f"{spec.sap_key} is the SAP key; it cannot be remapped")


def set_mapping(hub: Hub, request: MappingRequest, by: str) -> tuple[FieldMap, int]:
    """Validate ``request`` against both systems and save it as the next version."""
    spec = get_spec(request.object)
    direction = request.direction or spec.direction
    _check_direction(spec, direction)
    _check_reserved(spec, request)
    try:
        sap = sap_field(hub, OBJECT_TABLES[spec.name], request.sap)
    except ValueError as exc:
        raise MappingRefused(str(exc)) from None
    try:
        sf = sf_field(hub, spec.salesforce_object, request.salesforce)
    except ValueError as exc:
        raise MappingRefused(str(exc)) from None
    with hub.repos() as repos:
        maps = value_maps(repos)
        if request.value_map is not None and request.value_map not in maps:
            raise MappingRefused(f"unknown value map {request.value_map!r}; known: "
                                 f"{', '.join(sorted(maps))} (create one with "
                                 "`b1hub mapping values NAME --add SAP=SALESFORCE`)")
        vmap = maps[request.value_map] if request.value_map else None
        try:
            transform = compat.check(sap, sf, direction, value_map=vmap,
                                     decimals=_decimals(repos))
        except compat.Incompatible as exc:
            raise MappingRefused(f"incompatible: {exc}") from None
        if request.transform is not None:
            try:
                get_transform(request.transform)
            except ValueError as exc:
                raise MappingRefused(str(exc)) from None
            transform = request.transform
        users = user_fields(repos, spec.name)
        new = FieldMap(_name_for(spec, users, request.sap, sf.name), request.sap, sf.name,
                       direction, transform, request.value_map, request.required)
        kept = [u for u in users if u.name != new.name and u.sap != new.sap
                and u.salesforce != new.salesforce]
        version = repos.mappings.save(FIELDS, spec.name,
                                      [_field_to_row(f) for f in (*kept, new)], by)
        repos.audit.record(by, "mapping.set", spec.name,
                           {"version": version.version, **_field_to_row(new)})
    return new, version.version


def unmap(hub: Hub, object_name: str, sap: str, by: str) -> int:
    """Remove the user's row for SAP field ``sap``; returns the new version."""
    spec = get_spec(object_name)
    with hub.repos() as repos:
        users = user_fields(repos, spec.name)
        kept = [u for u in users if u.sap != sap]
        if len(kept) == len(users):
            mapped = ", ".join(u.sap or u.name for u in users) or "none"
            raise MappingRefused(f"{spec.name} has no user mapping of SAP {sap} "
                                 f"(user mappings: {mapped})")
        version = repos.mappings.save(FIELDS, spec.name, [_field_to_row(f) for f in kept], by)
        repos.audit.record(by, "mapping.unmap", spec.name,
                           {"version": version.version, "sap": sap})
    return version.version


def reset(hub: Hub, object_name: str, by: str) -> int:
    """Back to the object's default map (a new, empty version: the history stays)."""
    spec = get_spec(object_name)
    with hub.repos() as repos:
        version = repos.mappings.save(FIELDS, spec.name, [], by)
        repos.audit.record(by, "mapping.reset", spec.name, {"version": version.version})
    return version.version


def parse_pairs(texts: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for text in texts:
        sap, sep, sf = text.partition("=")
        if not sep or not sap.strip() or not sf.strip():
            raise MappingRefused(f"{text!r} is not SAP=SALESFORCE")
        pairs.append((sap.strip(), sf.strip()))
    return pairs


def extend_values(hub: Hub, name: str, pairs: list[tuple[str, str]], by: str) -> ValueMap:
    """Add pairs to value map ``name`` (a new map when it does not exist yet)."""
    if not MAP_NAME.match(name):
        raise MappingRefused(f"value map names are lower-case words (a-z, 0-9, _): {name!r}")
    with hub.repos() as repos:
        current = [tuple(p) for p in repos.mappings.data(VALUES, name)]
        added = [list(p) for p in pairs if p not in current]
        version = repos.mappings.save(VALUES, name, [*map(list, current), *added], by)
        repos.audit.record(by, "mapping.values", name,
                           {"version": version.version, "added": added})
        return value_maps(repos)[name]
