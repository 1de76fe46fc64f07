"""Reading Salesforce quotes and orders with their line items, for the document passes.

A document changes when its header or any of its lines changes; Salesforce does not
move the header's ``SystemModstamp`` for a line edit, so both streams are read and a
changed line brings its header back. Both cursors advance only when a run finished
every document it read.

Charges: a Quote's standard ``ShippingHandling`` and ``Tax`` become SAP freight rows.
Orders have no standard shipping field, so the hub reads the custom currency field
``Order.Shipping__c`` (created in the org like the ``SAP_*`` fields); orders carry no
header tax.

Records the hub changed last (``LastModifiedById`` is its dedicated integration user, see
:mod:`b1hub.sync.echo`) are left out of the change reads; edits made by people logged in
as that user are therefore not seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from b1hub.store.repositories import GeneralSettings
from b1hub.sync import echo
from b1hub.sync.checkpoint import Position, parse_utc
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.reader import ReadState, read_chunks, read_start, salesforce_clock

IDS_PER_QUERY = 100


@dataclass(frozen=True)
class DocumentKind:
    """One Salesforce document type: its header, its lines and which records qualify.

    ``charges`` are header amounts sent as SAP freight (``DocumentAdditionalExpenses``):
    (Salesforce field, "shipping" | "tax"). ``mapped`` says whether the object's field
    map applies to the header (not for opportunities turned into orders).
    """

    header: str
    lines: str
    parent: str
    name_field: str
    header_fields: tuple[str, ...]
    line_fields: tuple[str, ...]
    qualifying: Callable[[GeneralSettings], list[str]]
    prefix: str
    status_field: str = "Status"
    charges: tuple[tuple[str, str], ...] = ()
    mapped: bool = True
    label: str = ""
    needs_lines: bool = False
    """Records without lines do not qualify (instead of failing with "no products")."""
    own_writes: bool = False
    """Read records the hub itself changed last too (another object's pass writes them)."""


LINE_FIELDS = ("Quantity", "UnitPrice", "Discount", "Description", "Product2Id",
               "Product2.ProductCode", "Product2.Name")
QUOTE = DocumentKind(
    "Quote", "QuoteLineItem", "QuoteId", "Name",
    ("Name", "AccountId", "Status", "CurrencyIsoCode", "SAP_DocEntry__c", "ShippingHandling",
     "Tax"),
    LINE_FIELDS, lambda s: s.quote_statuses, "0Q0",
    charges=(("ShippingHandling", "shipping"), ("Tax", "tax")), label="Quote",
)
ORDER = DocumentKind(
    "Order", "OrderItem", "OrderId", "OrderNumber",
    ("OrderNumber", "AccountId", "Status", "CurrencyIsoCode", "SAP_DocEntry__c",
     "Shipping__c"),
    tuple(f for f in LINE_FIELDS if f != "Discount"), lambda s: s.order_statuses, "801",
    charges=(("Shipping__c", "shipping"),), label="Order",
)
WON_OPPORTUNITY = DocumentKind(
    "Opportunity", "OpportunityLineItem", "OpportunityId", "Name",
    ("Name", "AccountId", "StageName", "CurrencyIsoCode", "SAP_SyncStatus__c"),
    LINE_FIELDS, lambda s: ["Closed Won"] if s.closed_won_creates_order else [], "006",
    status_field="StageName", mapped=False, label="Opportunity", needs_lines=True,
    own_writes=True,
)
"""With ``closed_won_creates_order``: a won opportunity's products become an SAP order."""
KINDS_BY_PREFIX = {k.prefix: k for k in (QUOTE, ORDER, WON_OPPORTUNITY)}


def kind_of(sf_id: str) -> DocumentKind:
    """The kind of a linked Salesforce record, by its Id's key prefix."""
    return KINDS_BY_PREFIX.get(sf_id[:3], ORDER)


@dataclass
class SfDocument:
    """A Salesforce document as read this run, with its lines in creation order."""

    id: str
    raw: dict[str, Any]
    modified: dt.datetime
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.raw.get("Name") or self.raw.get("OrderNumber") or self.id)


def nested(row: dict[str, Any], path: str) -> Any:
    """``Product2.ProductCode`` from a query row (relationships come back as objects)."""
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass
class DocRead:
    """The documents due this run: changed since the cursors, waiting, or retried."""

    header_cursor: dict[str, Any] | None
    line_cursor: dict[str, Any] | None
    read_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    header_high: Position | None = None
    line_high: Position | None = None
    documents: dict[str, SfDocument] = field(default_factory=dict)


def changed_rows(
    ctx: RunContext, sobject: str, fields: list[str], cursor: dict[str, Any] | None,
    own_writes: bool = False,
) -> tuple[list[dict[str, Any]], Position | None]:
    state = ReadState()
    rows: list[dict[str, Any]] = []
    high: Position | None = None
    start = read_start(cursor, ctx.overlap, salesforce_clock())
    for chunk in read_chunks(ctx.sf, sobject, fields, start,
                             where=None if own_writes else echo.not_ours(ctx),
                             chunk_size=2000,
                             state=state, page_size=2000,
                             position_of=lambda r: Position(str(r["SystemModstamp"]),
                                                            str(r["Id"]))):
        for position, raw in chunk.rows:
            rows.append(raw)
            high = position  # rows come in (SystemModstamp, Id) order
    if state.stop is not None:
        raise Paused(state.stop)
    return rows, high


def query_all(ctx: RunContext, soql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in ctx.sf.query(soql, page_size=2000):
        if not isinstance(page, list):
            raise Paused(str(page))
        rows.extend(page)
    return rows


def id_list(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "\\'") + "'" for v in sorted(values)) + ")"


def read_documents(
    ctx: RunContext, kind: DocumentKind, read: DocRead, extra_ids: set[str],
    ids_only: bool,
) -> None:
    """Fill ``read.documents``: changed headers and parents of changed lines (unless
    ``ids_only``), plus ``extra_ids``; then every line of those documents."""
    mapped = ctx.spec.field_map.salesforce_select() if kind.mapped else []
    header_fields = ["SystemModstamp", *kind.header_fields, *mapped]
    wanted = {i for i in extra_ids if i.startswith(kind.prefix)}
    if not ids_only:
        headers, read.header_high = changed_rows(ctx, kind.header, header_fields,
                                                 read.header_cursor, kind.own_writes)
        wanted.update(str(h["Id"]) for h in headers)
        lines, read.line_high = changed_rows(ctx, kind.lines, [kind.parent], read.line_cursor)
        wanted.update(str(line[kind.parent]) for line in lines if line.get(kind.parent))
    ordered = sorted(wanted)
    columns = ", ".join(dict.fromkeys(["Id", *header_fields]))
    for start in range(0, len(ordered), IDS_PER_QUERY):
        group = ordered[start:start + IDS_PER_QUERY]
        soql = f"SELECT {columns} FROM {kind.header} WHERE Id IN {id_list(group)}"
        for raw in query_all(ctx, soql):
            doc_id = str(raw["Id"])
            read.documents[doc_id] = SfDocument(doc_id, raw,
                                                parse_utc(str(raw["SystemModstamp"])))
    line_columns = ", ".join(dict.fromkeys(["Id", kind.parent, "SystemModstamp",
                                            *kind.line_fields]))
    found = sorted(read.documents)
    for start in range(0, len(found), IDS_PER_QUERY):
        group = found[start:start + IDS_PER_QUERY]
        for line in query_all(ctx, f"SELECT {line_columns} FROM {kind.lines} "
                                f"WHERE {kind.parent} IN {id_list(group)} ORDER BY Id"):
            doc = read.documents[str(line[kind.parent])]
            doc.lines.append(line)
            doc.modified = max(doc.modified, parse_utc(str(line["SystemModstamp"])))
