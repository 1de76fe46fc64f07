"""Business partner addresses in an SAP write body: identify existing ones, name new ones.

A PATCH merges ``BPAddresses``, and the Service Layer updates a member in place only when
it carries all of ``BPCode``, ``AddressName``, ``AddressType`` and ``RowNum`` (reference
§3, trap 4); otherwise it inserts a new address (or refuses a duplicate name). The field
map only knows a member by its selector (``BPAddresses[AddressType=bo_BillTo].City``), so
before writing, each member is matched with the partner's current address the same way
and given its four identifiers; a member with no current address gets an AddressName.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from b1hub.sync.context import Paused, RunContext

COLLECTION = "BPAddresses"
IDENTIFIERS = ("BPCode", "AddressName", "AddressType", "RowNum")
SELECTORS = ("AddressType", "AddressName")
"""The member fields a field-map path can select an address by."""
NEW_NAMES = {"bo_BillTo": "Bill To", "bo_ShipTo": "Ship To"}
KEYS_PER_READ = 20


def needs_addresses(body: dict[str, Any]) -> bool:
    return bool(body.get(COLLECTION))


def identify(body: dict[str, Any], current: Iterable[dict[str, Any]] | None) -> None:
    """Complete ``body``'s address members in place from the partner's ``current`` ones."""
    stored = list(current or [])
    for member in body.get(COLLECTION) or []:
        selector = {k: member[k] for k in SELECTORS if member.get(k) is not None}
        match = next((a for a in stored
                      if all(str(a.get(k)) == str(v) for k, v in selector.items())), None)
        if match is not None and all(match.get(k) is not None for k in IDENTIFIERS):
            member.update({k: match[k] for k in IDENTIFIERS})
        else:
            member.setdefault("AddressName",
                              NEW_NAMES.get(str(member.get("AddressType")), "Main"))


def current_addresses(ctx: RunContext, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The current addresses of these partners, read a few dozen per request."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(codes), KEYS_PER_READ):
        condition = " or ".join("CardCode eq '{}'".format(c.replace("'", "''"))
                                for c in codes[start:start + KEYS_PER_READ])
        for page in ctx.sap.iter_pages("BusinessPartners", select=["CardCode", COLLECTION],
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            found.update({str(r["CardCode"]): list(r.get(COLLECTION) or []) for r in page})
    return found
