"""Checking and coercing request bodies against the schema (and the UDFs of the table)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.sandbox.service_layer.schema import Collection, Entity, Field
from b1hub.sandbox.service_layer.udfs import Udf
from b1hub.sandbox.service_layer.wire import SLError, invalid_property

Doc = dict[str, Any]


def too_long(name: str, type_name: str) -> SLError:
    return SLError(400, -5002, f"Value too long in property '{name}' of '{type_name}'")


def _bad_value(name: str, type_name: str, value: Any) -> SLError:
    return SLError(400, -1000, f"Invalid value '{value}' for property '{name}' of '{type_name}'")


def coerce(type_name: str, name: str, spec: Field, value: Any) -> Any:
    """Return the value to store, or raise the error the Service Layer would answer."""
    if value is None:
        return None
    kind = spec.type
    if kind == "str":
        if not isinstance(value, str):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _bad_value(name, type_name, value)
            value = str(value)
        if spec.size is not None and len(value) > spec.size:
            raise too_long(name, type_name)
        return value
    if kind == "enum":
        if value not in spec.enum:
            listed = ", ".join(f"'{m}'" for m in spec.enum)
            raise SLError(400, -1004, f"'{value}' is not a valid value for property '{name}'. "
                                      f"The valid values are: {listed}")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool):
            raise _bad_value(name, type_name, value)
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise _bad_value(name, type_name, value) from exc
        if kind == "int":
            if not number.is_integer():
                raise _bad_value(name, type_name, value)
            return int(number)
        return number
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError as exc:
            raise _bad_value(name, type_name, value) from exc
    if kind == "time":
        try:
            return dt.time.fromisoformat(str(value)).strftime("%H:%M:%S")
        except ValueError as exc:
            raise _bad_value(name, type_name, value) from exc
    return value


def clean(type_name: str, fields: dict[str, Field], template: dict[str, Any],
          udfs: dict[str, Udf], body: Doc, skip: frozenset[str] = frozenset()) -> Doc:
    """Scalar properties of one body (header or line); collections are left to the caller."""
    out: Doc = {}
    for name, value in body.items():
        if name in skip:
            continue
        udf = udfs.get(name)
        spec = fields.get(name) or (udf.field if udf else None)
        if spec is None:
            if name in template:
                out[name] = value
                continue
            raise invalid_property(name, type_name)
        if spec.readonly or spec.type == "list":
            continue
        if udf is not None and value == "" and udf.valid_values:
            udf.check_valid(value)
        stored = coerce(type_name, name, spec, value)
        if udf is not None:
            udf.check_valid(stored)
        out[name] = stored
    return out


def clean_header(entity: Entity, udfs: dict[str, Udf], body: Any) -> Doc:
    if not isinstance(body, dict):
        raise SLError(400, -1000, "Invalid request body")
    for name, value in body.items():
        if name in entity.collections and not isinstance(value, list):
            raise invalid_property(name, entity.type_name)
    return clean(entity.type_name, entity.fields, entity.template, udfs, body,
                 frozenset(entity.collections))


def clean_lines(coll: Collection, udfs: dict[str, Udf], lines: list[Any]) -> list[Doc]:
    out: list[Doc] = []
    for line in lines:
        if not isinstance(line, dict):
            raise invalid_property(coll.type_name, coll.type_name)
        key_value = line.get(coll.key) if coll.key else None
        cleaned = clean(coll.type_name, coll.fields, {}, udfs, line)
        if coll.key and key_value is not None:
            cleaned[coll.key] = coerce(coll.type_name, coll.key, coll.fields[coll.key], key_value)
        out.append(cleaned)
    return out
