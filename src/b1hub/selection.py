"""Set Customers / Set Items for Synchronization: the seed's selection-criteria windows.

Criteria (code range, group range) become one Service Layer ``$filter``; the matching
records are listed (code + name) and the chosen ones are marked in the store, customers
each with a mandatory Account Type checked against Salesforce's ``Account.Type`` picklist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.diagnostics import RemoteFailure, describe, failure_text
from b1hub.store.repositories import Repositories, SelectionEntry

Kind = Literal["customers", "items"]


@dataclass(frozen=True)
class Source:
    """Where one kind of selectable record lives in SAP, and its store object name."""

    object_name: str
    entity: str
    code: str
    name: str
    group: str
    base_filter: str | None


SOURCES: dict[str, Source] = {
    "customers": Source("account", "BusinessPartners", "CardCode", "CardName", "GroupCode",
                        "CardType eq 'cCustomer'"),
    "items": Source("product", "Items", "ItemCode", "ItemName", "ItemsGroupCode", None),
}


class SelectionError(ValueError):
    """The selection asked for cannot be made; the message names what is wrong."""


@dataclass(frozen=True)
class Criteria:
    code_from: str | None = None
    code_to: str | None = None
    group_from: int | None = None
    group_to: int | None = None


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    group: int | None


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def odata_filter(source: Source, criteria: Criteria) -> str | None:
    """The ``$filter`` for the criteria; each bound is inclusive, a missing one is open."""
    parts = [source.base_filter] if source.base_filter else []
    if criteria.code_from:
        parts.append(f"{source.code} ge {_quote(criteria.code_from)}")
    if criteria.code_to:
        parts.append(f"{source.code} le {_quote(criteria.code_to)}")
    if criteria.group_from is not None:
        parts.append(f"{source.group} ge {criteria.group_from}")
    if criteria.group_to is not None:
        parts.append(f"{source.group} le {criteria.group_to}")
    return " and ".join(parts) or None


def check_criteria(criteria: Criteria) -> None:
    if criteria.code_from and criteria.code_to and criteria.code_from > criteria.code_to:
        raise SelectionError(f"code range is empty: {criteria.code_from!r} comes after "
                             f"{criteria.code_to!r}")
    if (criteria.group_from is not None and criteria.group_to is not None
            and criteria.group_from > criteria.group_to):
        raise SelectionError(f"group range is empty: {criteria.group_from} > {criteria.group_to}")


def find(client: ServiceLayerClient, kind: Kind, criteria: Criteria) -> list[Candidate]:
    """Every SAP record matching the criteria, in code order, read page by page."""
    check_criteria(criteria)
    source = SOURCES[kind]
    found: list[Candidate] = []
    for page in client.iter_pages(source.entity,
                                  select=[source.code, source.name, source.group],
                                  filter=odata_filter(source, criteria),
                                  orderby=source.code, page_size=500):
        if not isinstance(page, list):
            raise RemoteFailure(f"could not read SAP {source.entity}: {failure_text(page)}")
        for row in page:
            group = row.get(source.group)
            found.append(Candidate(str(row[source.code]), str(row.get(source.name) or ""),
                                   int(group) if group is not None else None))
    return found


def account_types(client: SalesforceClient) -> list[str]:
    """The active values of Salesforce's ``Account.Type`` picklist."""
    fields = describe(client, "Account").get("fields", [])
    for spec in fields:
        if spec.get("name") == "Type":
            return [str(v["value"]) for v in spec.get("picklistValues", []) if v.get("active")]
    raise RemoteFailure("Salesforce Account has no Type field to take the Account Type from")


def check_account_type(account_type: str | None, allowed: Sequence[str]) -> str:
    if not account_type or not account_type.strip():
        raise SelectionError("an Account Type is mandatory when marking customers: pass "
                             f"--account-type (one of: {', '.join(allowed)})")
    for value in allowed:
        if value.lower() == account_type.strip().lower():
            return value
    raise SelectionError(f"{account_type!r} is not a Salesforce Account Type; use one of: "
                         f"{', '.join(allowed)}")


def choose(candidates: Sequence[Candidate], codes: Iterable[str] | None) -> list[Candidate]:
    """The candidates named by ``codes`` (all when None); a code outside the criteria is
    refused, so a typo cannot mark a record nobody looked at."""
    if codes is None:
        return list(candidates)
    by_code = {c.code.lower(): c for c in candidates}
    wanted = [code.strip() for code in codes if code.strip()]
    unknown = [code for code in wanted if code.lower() not in by_code]
    if unknown:
        raise SelectionError(f"not among the records matching the criteria: {', '.join(unknown)}")
    return list({by_code[code.lower()].code: by_code[code.lower()] for code in wanted}.values())


def mark(
    repos: Repositories, kind: Kind, chosen: Sequence[Candidate], account_type: str | None,
    by: str,
) -> int:
    source = SOURCES[kind]
    entries = [SelectionEntry(c.code, account_type if kind == "customers" else None, c.name)
               for c in chosen]
    count = repos.selections.mark(source.object_name, entries, by=by)
    repos.audit.record(by, "selection.mark", source.object_name, {
        "codes": [c.code for c in chosen], "account_type": account_type})
    return count


def unmark(repos: Repositories, kind: Kind, codes: Sequence[str], by: str) -> int:
    source = SOURCES[kind]
    removed = repos.selections.unmark(source.object_name, codes)
    repos.audit.record(by, "selection.remove", source.object_name, {"codes": list(codes)})
    return removed
