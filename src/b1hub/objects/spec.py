"""What the engine needs to know about a synced object, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from b1hub.mapping.fields import Direction, ObjectMap

if TYPE_CHECKING:
    from b1hub.sync.context import RunContext

Prepare = Callable[[dict[str, Any]], dict[str, Any]]
Passes = Callable[["RunContext", Direction, "set[str] | None", "set[str] | None"], None]
"""A run of both directions for objects the generic passes do not fit: (context, the
object's configured direction, SAP keys and Salesforce Ids to retry or None)."""


def _unchanged(record: dict[str, Any]) -> dict[str, Any]:
    return record


@dataclass(frozen=True)
class ObjectSpec:
    """A synced object: where it lives on each side and how its records correspond.

    ``prepare_sap`` derives values a flat field map cannot express (for example an
    item's "active" flag from ``Valid`` and ``Frozen``) before mapping.
    """

    name: str
    sap_entity: str
    sap_key: str
    salesforce_object: str
    salesforce_external_id: str
    field_map: ObjectMap
    direction: Direction
    depends_on: tuple[str, ...] = ()
    sap_filter: str | None = None
    prepare_sap: Prepare = field(default=_unchanged)
    requires_initialization: bool = True
    passes: Passes | None = None


ALIASES: dict[str, str] = {
    "account": "account", "accounts": "account", "customer": "account", "customers": "account",
    "contact": "contact", "contacts": "contact",
    "lead": "lead", "leads": "lead",
    "product": "product", "products": "product", "item": "product", "items": "product",
    "opportunity": "opportunity", "opportunities": "opportunity",
    "quotation": "quotation", "quotations": "quotation", "quote": "quotation",
    "quotes": "quotation",
    "order": "order", "orders": "order",
}


def canonical_object_name(text: str) -> str:
    """Object names on the command line: case-insensitive, plurals accepted.

    >>> canonical_object_name("Accounts")
    'account'
    """
    try:
        return ALIASES[text.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(set(ALIASES.values())))
        raise ValueError(f"unknown object {text!r}; use one of: {known}") from None
