"""Master Data Mapping Tool, part one: the template of Salesforce records to link.

The template lists the Salesforce records of one type that the hub has not linked yet,
with their identifying columns and empty SAP key columns for the user to fill. The
``Object`` column travels with every row, so an uploaded file says what it links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b1hub.mapping.sheets import write_rows

if TYPE_CHECKING:
    from b1hub.hub import Hub

OBJECT, SF_ID = "Object", "Salesforce Id"


@dataclass(frozen=True)
class TemplateKind:
    """One Master Data Type of the seed's tool."""

    object: str
    sobject: str
    identify: tuple[tuple[str, str], ...]
    """(column, Salesforce field) pairs shown to help the user find the SAP record."""
    keys: tuple[str, ...]
    card_type: str | None = None
    """The SAP business partner type the keys must have (customer or lead)."""

    @property
    def columns(self) -> list[str]:
        return [OBJECT, SF_ID, *(c for c, _ in self.identify), *self.keys]

    def sap_key(self, row: dict[str, str]) -> str:
        """The link's SAP key: CardCode, ItemCode, or ``CardCode:InternalCode``."""
        return ":".join(row.get(k, "").strip() for k in self.keys)


KINDS: dict[str, TemplateKind] = {
    k.object: k for k in (
        TemplateKind("account", "Account",
                     (("Name", "Name"), ("E-mail", "Email__c"), ("Phone", "Phone"),
                      ("Code", "AccountNumber")), ("CardCode",), "cCustomer"),
        TemplateKind("lead", "Lead",
                     (("Name", "Name"), ("Company", "Company"), ("E-mail", "Email"),
                      ("Phone", "Phone")), ("CardCode",), "cLid"),
        TemplateKind("contact", "Contact",
                     (("Name", "Name"), ("E-mail", "Email"), ("Phone", "Phone"),
                      ("Account Id", "AccountId")), ("CardCode", "InternalCode")),
        TemplateKind("product", "Product2",
                     (("Name", "Name"), ("Code", "ProductCode")), ("ItemCode",)),
    )
}
ALIASES = {"accounts": "account", "customer": "account", "customers": "account",
           "leads": "lead", "contacts": "contact", "products": "product", "item": "product",
           "items": "product"}


def kind_of(text: str) -> TemplateKind:
    name = text.strip().lower()
    name = ALIASES.get(name, name)
    if name not in KINDS:
        raise ValueError(f"no template for {text!r}; use one of: {', '.join(KINDS)}")
    return KINDS[name]


def unlinked_records(hub: Hub, kind: TemplateKind) -> list[dict[str, Any]]:
    """The Salesforce records of ``kind`` without a link in this integration, by Id."""
    fields = ", ".join(dict.fromkeys(["Id", *(f for _, f in kind.identify)]))
    rows: list[dict[str, Any]] = []
    with hub.salesforce() as sf:
        for page in sf.query(f"SELECT {fields} FROM {kind.sobject} ORDER BY Id",
                             page_size=2000):
            if not isinstance(page, list):
                raise RuntimeError(f"reading Salesforce {kind.sobject}: {page}")
            rows.extend(page)
    with hub.repos() as repos:
        linked = repos.links.by_sf_ids(kind.object, [str(r["Id"]) for r in rows])
    return [r for r in rows if str(r["Id"]) not in linked]


def write_template(hub: Hub, kind: TemplateKind, path: Path) -> int:
    """Write the template to ``path`` (.csv or .xlsx); returns the number of records."""
    records = unlinked_records(hub, kind)
    rows = [[kind.object, str(r["Id"]),
             *("" if r.get(f) is None else str(r.get(f)) for _, f in kind.identify),
             *("" for _ in kind.keys)] for r in records]
    write_rows(path, f"{kind.object} links", kind.columns, rows)
    return len(rows)
