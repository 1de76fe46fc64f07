"""sObject and field metadata: what describe reports and what every write is checked against.

Shared with the SOQL compiler (which resolves fields and relationships through
:class:`SchemaRegistry`) and the Bulk API (which converts CSV strings by field type).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldSchema:
    name: str
    label: str
    type: str
    """'id','string','textarea','picklist','multipicklist','reference','currency','double',
    'percent','int','boolean','date','datetime','email','phone','url'."""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    custom: bool = False
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    default: object = None
    hidden: bool = False
    """Queryable but not listed by describe (``LastModifiedByClient``)."""
    calculated: bool = False
    auto_number: bool = False

    @property
    def required(self) -> bool:
        """What a create must supply: not nillable, writable and without a default."""
        return (
            not self.nillable
            and self.createable
            and self.default is None
            and self.type != "boolean"
            and not self.auto_number
        )

    @property
    def defaulted_on_create(self) -> bool:
        return self.default is not None or self.type == "boolean" or not self.createable


@dataclass
class SObjectSchema:
    name: str
    label: str
    key_prefix: str
    fields: dict[str, FieldSchema]
    label_plural: str = ""
    custom: bool = False

    def __post_init__(self) -> None:
        self._lower = {k.lower(): v for k, v in self.fields.items()}

    def field(self, name: str) -> FieldSchema | None:
        """Case-insensitive lookup, as Salesforce resolves field names."""
        return self._lower.get(name.lower())

    def add_field(self, spec: FieldSchema) -> None:
        self.fields[spec.name] = spec
        self._lower[spec.name.lower()] = spec

    def remove_field(self, name: str) -> None:
        spec = self._lower.pop(name.lower())
        del self.fields[spec.name]

    def unique_fields(self) -> list[FieldSchema]:
        return [f for f in self.fields.values() if f.unique]

    def external_id_fields(self) -> list[FieldSchema]:
        return [f for f in self.fields.values() if f.external_id]


class SchemaRegistry:
    """All sObjects of the org, looked up case-insensitively."""

    def __init__(self, objects: list[SObjectSchema]) -> None:
        self._by_name = {o.name.lower(): o for o in objects}
        self._by_prefix = {o.key_prefix: o for o in objects}

    def get(self, sobject: str) -> SObjectSchema | None:
        return self._by_name.get(sobject.lower())

    def all(self) -> list[SObjectSchema]:
        return sorted(self._by_name.values(), key=lambda o: o.name)

    def by_prefix(self, key_prefix: str) -> SObjectSchema | None:
        return self._by_prefix.get(key_prefix)

    def by_relationship(
        self, sobject: str, relationship_name: str
    ) -> tuple[FieldSchema, SObjectSchema] | None:
        """``('Contact', 'Account')`` -> (the AccountId field, the Account schema)."""
        schema = self.get(sobject)
        if schema is None:
            return None
        wanted = relationship_name.lower()
        for spec in schema.fields.values():
            if spec.relationship_name and spec.relationship_name.lower() == wanted:
                parent = self.get(spec.reference_to[0]) if spec.reference_to else None
                if parent is not None:
                    return spec, parent
        return None

    def child_relationships(self, sobject: str) -> list[tuple[SObjectSchema, FieldSchema]]:
        """(child object, its lookup field) for every lookup pointing at ``sobject``."""
        out: list[tuple[SObjectSchema, FieldSchema]] = []
        target = sobject.lower()
        for child in self.all():
            for spec in child.fields.values():
                if any(t.lower() == target for t in spec.reference_to) and not spec.hidden:
                    out.append((child, spec))
        return out


@dataclass
class FieldSpecInput:
    """A custom field as ``POST /_sandbox/fields`` receives it."""

    sobject: str
    name: str
    type: str = "string"
    label: str | None = None
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    external_id: bool = False
    unique: bool = False
    required: bool = False
    picklist_values: list[str] = field(default_factory=list)
    restricted_picklist: bool = False
    reference_to: str | None = None
    default: object = None

    def to_field(self) -> FieldSchema:
        if not self.name.endswith("__c"):
            raise ValueError("custom field names end in __c")
        length = self.length or {"string": 255, "textarea": 32768, "email": 80,
                                 "phone": 40, "url": 255, "picklist": 255,
                                 "multipicklist": 4099, "reference": 18}.get(self.type, 0)
        precision = self.precision or (18 if self.type in NUMERIC_TYPES else 0)
        return FieldSchema(
            name=self.name,
            label=self.label or self.name[:-3].replace("_", " "),
            type=self.type,
            length=length,
            precision=precision,
            scale=self.scale or 0,
            nillable=not self.required,
            external_id=self.external_id,
            unique=self.unique,
            custom=True,
            picklist_values=tuple(self.picklist_values),
            restricted_picklist=self.restricted_picklist,
            reference_to=(self.reference_to,) if self.reference_to else (),
            relationship_name=self.name[:-3] + "__r" if self.reference_to else None,
            default=self.default,
        )


NUMERIC_TYPES = frozenset({"currency", "double", "percent", "int"})
FIELD_TYPES = frozenset({
    "id", "string", "textarea", "picklist", "multipicklist", "reference", "currency", "double",
    "percent", "int", "boolean", "date", "datetime", "email", "phone", "url",
})
