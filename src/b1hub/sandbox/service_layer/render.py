"""Stored documents to wire JSON: complete property set, UDFs, per-version dates, $select."""

from __future__ import annotations

from functools import cache
from typing import Any

from b1hub.sandbox.service_layer.schema import Collection, Entity
from b1hub.sandbox.service_layer.udfs import Udf
from b1hub.sandbox.service_layer.validate import Doc
from b1hub.sandbox.service_layer.wire import Version, wire_date

UdfLookup = dict[str | None, dict[str, Udf]]


@cache
def _header_defaults(entity: Entity) -> dict[str, Any]:
    return entity.defaults()


@cache
def _line_defaults(coll: Collection) -> dict[str, Any]:
    return {name: f.default for name, f in coll.fields.items()}


@cache
def _dates(owner: Entity | Collection) -> tuple[str, ...]:
    return tuple(name for name, f in owner.fields.items() if f.type == "date")


def render(entity: Entity, doc: Doc, version: Version, udfs: UdfLookup,
           select: list[str] | None) -> Doc:
    header_udfs = udfs.get(entity.udf_table, {})
    out: Doc = dict(_header_defaults(entity))
    for name, udf in header_udfs.items():
        out[name] = udf.field.default
    out.update(doc)
    if version == "v2":
        for name in _dates(entity):
            out[name] = wire_date(version, out.get(name))
        for name, udf in header_udfs.items():
            if udf.field.type == "date":
                out[name] = wire_date(version, out.get(name))
    for name, coll in entity.collections.items():
        if select is not None and name not in select:
            continue
        out[name] = [_line(coll, line, version, udfs.get(coll.udf_table, {}))
                     for line in out.get(name) or []]
    if select is not None:
        return {name: out.get(name) for name in select}
    return out


def _line(coll: Collection, line: Doc, version: Version, udfs: dict[str, Udf]) -> Doc:
    out: Doc = dict(_line_defaults(coll))
    for name, udf in udfs.items():
        out[name] = udf.field.default
    out.update(line)
    if version == "v2":
        for name in _dates(coll):
            out[name] = wire_date(version, out.get(name))
    return out
