"""An object's field map: a declarative table between SAP, canonical and Salesforce fields.

Each row names the canonical field, where it lives on each side, which way it flows
and how its values convert. Conversions never raise into the engine: a record maps to
a :class:`Mapped` holding its values and, per field, what went wrong, so one bad value
becomes one clear record error and the rest of the batch carries on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from b1hub.mapping.paths import get_path, set_path, top_level_fields
from b1hub.mapping.transforms import get_transform
from b1hub.mapping.values import DEFAULT_VALUE_MAPS, UnmappedValue, ValueMap
from b1hub.store.types import ObjectDirection as Direction
from b1hub.sync.merge import Side


@dataclass(frozen=True)
class FieldMap:
    name: str
    sap: str | None
    salesforce: str | None
    direction: Direction = Direction.BOTH
    transform: str | None = None
    value_map: str | None = None
    required: bool = False


@dataclass(frozen=True)
class FieldError:
    """Why one field of one record could not be mapped, in words a user can act on."""

    field: str
    value: Any
    reason: str


@dataclass
class Mapped:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ObjectMap:
    """The field table of one synced object plus the value maps it uses."""

    fields: tuple[FieldMap, ...]
    value_maps: Mapping[str, ValueMap] = field(default_factory=lambda: dict(DEFAULT_VALUE_MAPS))

    def sap_select(self) -> list[str]:
        return top_level_fields([f.sap for f in self.fields if f.sap])

    def salesforce_select(self) -> list[str]:
        return [f.salesforce for f in self.fields if f.salesforce]

    def owners(self) -> dict[str, Side]:
        """Fields that only one side may write (one-way fields)."""
        out: dict[str, Side] = {}
        for f in self.fields:
            if f.direction is Direction.SAP_TO_SALESFORCE:
                out[f.name] = Side.SAP
            elif f.direction is Direction.SALESFORCE_TO_SAP:
                out[f.name] = Side.SALESFORCE
        return out

    def from_sap(self, record: Mapping[str, Any]) -> Mapped:
        return self._read(record, Side.SAP)

    def from_salesforce(self, record: Mapping[str, Any]) -> Mapped:
        return self._read(record, Side.SALESFORCE)

    def to_sap(self, canonical: Mapping[str, Any]) -> Mapped:
        """The SAP body for ``canonical`` (only fields that may flow into SAP)."""
        return self._write(canonical, Side.SAP)

    def to_salesforce(self, canonical: Mapping[str, Any]) -> Mapped:
        return self._write(canonical, Side.SALESFORCE)

    def _read(self, record: Mapping[str, Any], side: Side) -> Mapped:
        out = Mapped()
        source = dict(record)
        for f in self.fields:
            location = f.sap if side is Side.SAP else f.salesforce
            if location is None:
                continue
            raw = get_path(source, location) if side is Side.SAP else source.get(location)
            try:
                value = self._convert_in(f, raw, side)
            except (ValueError, TypeError) as exc:
                out.errors.append(FieldError(location, raw, str(exc)))
                continue
            if f.required and value is None:
                out.errors.append(FieldError(location, raw, "a value is required"))
            out.values[f.name] = value
        return out

    def _write(self, canonical: Mapping[str, Any], side: Side) -> Mapped:
        out = Mapped()
        blocked = Direction.SALESFORCE_TO_SAP if side is Side.SALESFORCE else (
            Direction.SAP_TO_SALESFORCE
        )
        for f in self.fields:
            location = f.sap if side is Side.SAP else f.salesforce
            if location is None or f.direction is blocked or f.name not in canonical:
                continue
            try:
                value = self._convert_out(f, canonical[f.name], side)
            except (ValueError, TypeError) as exc:
                out.errors.append(FieldError(location, canonical[f.name], str(exc)))
                continue
            if side is Side.SAP:
                set_path(out.values, location, value)
            else:
                out.values[location] = value
        return out

    def _value_map(self, f: FieldMap) -> ValueMap | None:
        if f.value_map is None:
            return None
        try:
            return self.value_maps[f.value_map]
        except KeyError:
            raise ValueError(f"field {f.name!r} uses unknown value map {f.value_map!r}") from None

    def _convert_in(self, f: FieldMap, raw: Any, side: Side) -> Any:
        t = get_transform(f.transform)
        value = t.from_sap(raw) if side is Side.SAP else t.from_salesforce(raw)
        vmap = self._value_map(f)
        if vmap is None:
            return value
        return vmap.check_sap(value) if side is Side.SAP else vmap.from_salesforce(value)

    def _convert_out(self, f: FieldMap, value: Any, side: Side) -> Any:
        vmap = self._value_map(f)
        if vmap is not None and side is Side.SALESFORCE:
            value = vmap.to_salesforce(value)
        t = get_transform(f.transform)
        return t.to_sap(value) if side is Side.SAP else t.to_salesforce(value)


__all__ = ["Direction", "FieldError", "FieldMap", "Mapped", "ObjectMap", "UnmappedValue"]
