"""Entity keys: which field holds the key and how it is written in a URL."""

from __future__ import annotations

import re

KEY_FIELDS: dict[str, tuple[str, type]] = {
    "BusinessPartners": ("CardCode", str),
    "Items": ("ItemCode", str),
    "Orders": ("DocEntry", int),
    "Quotations": ("DocEntry", int),
    "SalesOpportunities": ("SequentialNo", int),
    "BusinessPartnerGroups": ("Code", int),
    "ItemGroups": ("Number", int),
    "PriceLists": ("PriceListNo", int),
    "SalesPersons": ("SalesEmployeeCode", int),
    "SalesStages": ("SequenceNo", int),
    "UserFieldsMD": ("FieldID", int),
}

_LOCATION_KEY = re.compile(r"\((?:'(?P<s>(?:[^']|'')*)'|(?P<n>[^)]*))\)\s*$")


def key_field(entity: str) -> str:
    return KEY_FIELDS.get(entity, ("Code", str))[0]


def server_assigned(entity: str) -> bool:
    """Numeric keys (DocEntry, SequentialNo, ...) are assigned by the server on create."""
    return KEY_FIELDS.get(entity, ("Code", str))[1] is int


def entity_path(entity: str, key: str | int) -> str:
    if server_assigned(entity) or isinstance(key, int):
        return f"{entity}({int(key)})"
    return f"{entity}('" + str(key).replace("'", "''") + "')"


def key_from_location(location: str) -> str | None:
    match = _LOCATION_KEY.search(location)
    if match is None:
        return None
    if match.group("s") is not None:
        return match.group("s").replace("''", "'")
    return match.group("n")
