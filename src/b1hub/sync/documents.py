"""Quotes and orders: Salesforce → SAP documents, SAP numbers and status back.

A document is created at most once: its Salesforce Id travels in ``NumAtCard`` and SAP
is searched for it before every create, so a create that got through before a crash
(or whose answer was lost) is adopted, never repeated. An open SAP document follows
its Salesforce record (lines merged by ``LineNum``, kept in the link; freight rows by
expense code); a closed or cancelled one is left alone and the Salesforce record says why.
A run that died after linking but before telling Salesforce is finished by the next one.
With ``closed_won_creates_order`` the order object also turns won opportunities with
products into SAP orders (links under "order", keyed by the opportunity Id).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.store.models import Link
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, ObjectDirection, OutcomeAction, OutcomeStatus
from b1hub.sync import messages, writer
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.doc_build import EXPENSES, LINES, Built, build_all, with_line_numbers
from b1hub.sync.doc_source import (
    ORDER,
    QUOTE,
    WON_OPPORTUNITY,
    DocRead,
    DocumentKind,
    kind_of,
    read_documents,
)
from b1hub.sync.doc_status import (
    SNAPSHOT_FIELDS,
    kind_confirm,
    run_status_back,
    snapshot,
    status_fields,
)
from b1hub.sync.reader import cursor_after
from b1hub.sync.records import OpenRecords, now_iso, unchanged_since

DIRECTION = Direction.SALESFORCE_TO_SAP
KINDS: dict[str, DocumentKind] = {"quotation": QUOTE, "order": ORDER}
SAP_NAMES = {"Quotations": "sales quotation", "Orders": "sales order"}
BY_KEY = 20


def run_documents(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    """The passes of a quote or order object (see :data:`b1hub.objects.spec.Passes`)."""
    retrying = sap_keys is not None or sf_ids is not None
    inbound = direction in (ObjectDirection.SALESFORCE_TO_SAP, ObjectDirection.BOTH)
    kinds = [KINDS[ctx.spec.name]]
    if ctx.spec.name == "order" and ctx.settings.closed_won_creates_order:
        kinds.append(WON_OPPORTUNITY)
    for kind in kinds:
        ids = {i for i in sf_ids or () if i.startswith(kind.prefix)}
        if inbound and (not retrying or ids):
            salesforce_to_sap(ctx, kind, ids if retrying else None)
    if not retrying:
        run_status_back(ctx)


def _cursor_keys(name: str, kind: DocumentKind) -> tuple[str, str]:
    """Checkpoint names of the header and line streams (opportunities read by the order
    object keep their own)."""
    base = name if kind is KINDS.get(name) else f"{name}:{kind.header.lower()}"
    return base, f"{base}:lines"


def salesforce_to_sap(ctx: RunContext, kind: DocumentKind, retry_ids: set[str] | None) -> None:
    name = ctx.spec.name
    header_key, lines_key = _cursor_keys(name, kind)
    with ctx.hub.repos() as repos:
        read = DocRead(repos.checkpoints.load(header_key, DIRECTION),
                       repos.checkpoints.load(lines_key, DIRECTION))
        open_records = OpenRecords.load(repos, name, DIRECTION)
    extra = retry_ids if retry_ids is not None else open_records.waiting
    read_documents(ctx, kind, read, set(extra), ids_only=retry_ids is not None)
    ctx.report("read salesforce", len(read.documents))
    qualifying = set(kind.qualifying(ctx.settings))
    with ctx.hub.repos() as repos:
        links = repos.links.by_sf_ids(name, list(read.documents))
        due = []
        for doc in read.documents.values():
            if retry_ids is None and unchanged_since(doc.modified,
                                                     open_records.parked.get(doc.id)):
                continue  # failed before and not changed since: stays parked
            if doc.id not in links and (doc.raw.get(kind.status_field) not in qualifying
                                        or (kind.needs_lines and not doc.lines)):
                continue
            due.append(doc)
        built = build_all(ctx, repos, due, kind)
    outcomes: list[OutcomeIn] = []
    creates: list[Built] = []
    updates: list[tuple[Built, Link]] = []
    for b in built:
        link = links.get(b.doc.id)
        if b.waiting is not None:
            outcomes.append(_out(ctx, b, None, OutcomeAction.CREATE, OutcomeStatus.WAITING,
                                 "WAITING_FOR_ACCOUNT", b.waiting, fields=["AccountId"]))
        elif b.error is not None:
            outcomes.append(_out(ctx, b, link.sap_key if link else None, OutcomeAction.ERROR,
                                 OutcomeStatus.FAILED, b.error[0], b.error[1],
                                 fields=b.fields))
        elif link is None:
            creates.append(b)
        else:
            updates.append((b, link))
    adopted = _create(ctx, kind, creates, outcomes)
    _update(ctx, kind, [*updates, *adopted], outcomes)
    ctx.count(outcomes)
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        if retry_ids is None and ctx.pending_reason is None:
            for key, high in ((header_key, read.header_high), (lines_key, read.line_high)):
                cursor = read.header_cursor if key == header_key else read.line_cursor
                saved = cursor_after(high, read.read_at, cursor)
                if saved is not None:
                    repos.checkpoints.save(key, DIRECTION, saved)


def _label(b: Built) -> str:
    return messages.describe(kind_of(b.doc.id).label, b.doc.name, "Salesforce", b.doc.id)


def _out(
    ctx: RunContext, b: Built, sap_key: str | None, action: OutcomeAction,
    status: OutcomeStatus, code: str | None = None, message: str | None = None,
    payload: dict[str, Any] | None = None, fields: list[str] | None = None,
) -> OutcomeIn:
    text = f"{_label(b)}: {message}" if message else None
    return OutcomeIn(ctx.spec.name, DIRECTION, action, status, sap_key=sap_key, sf_id=b.doc.id,
                     error_code=code, error_message=text, payload=payload,
                     error_fields=fields or [])


def _existing(ctx: RunContext, sf_ids: list[str]) -> dict[str, dict[str, Any]]:
    """SAP documents already carrying these Salesforce Ids in NumAtCard."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(sf_ids), BY_KEY):
        condition = " or ".join(f"NumAtCard eq '{i}'" for i in sf_ids[start:start + BY_KEY])
        for page in ctx.sap.iter_pages(ctx.spec.sap_entity, select=SNAPSHOT_FIELDS,
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            for row in page:
                found.setdefault(str(row["NumAtCard"]), row)
    return found


def _by_entry(ctx: RunContext, entries: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(entries), BY_KEY):
        condition = " or ".join(f"DocEntry eq {int(e)}" for e in entries[start:start + BY_KEY])
        for page in ctx.sap.iter_pages(ctx.spec.sap_entity, select=SNAPSHOT_FIELDS,
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            found.update({str(r["DocEntry"]): r for r in page})
    return found


def _adopt(ctx: RunContext, b: Built, row: dict[str, Any]) -> Link:
    """Link a document an earlier, interrupted run created: its lines were written in
    the order of the Salesforce lines, so they pair up by position."""
    entry = str(row["DocEntry"])
    numbers = [int(line["LineNum"]) for line in row.get(LINES) or []]
    codes = [line.get("ItemCode") for line in row.get(LINES) or []]
    same = codes == [line["ItemCode"] for line in b.body[LINES]]
    with ctx.hub.repos() as repos:
        link = repos.links.insert_or_get(ctx.spec.name, entry, b.doc.id).link
        link.base_values = {
            "hash": None, "sap": {},
            "lines": dict(zip(b.line_ids, numbers, strict=False)) if same else {},
        }
        repos.links.record_sync(link)
    return link


def _create(ctx: RunContext, kind: DocumentKind, creates: list[Built],
            outcomes: list[OutcomeIn]) -> list[tuple[Built, Link]]:
    """Create the new documents; returns those found in SAP already (to update)."""
    if not creates:
        return []
    existing = _existing(ctx, [b.doc.id for b in creates])
    adopted = [(b, _adopt(ctx, b, existing[b.doc.id])) for b in creates if b.doc.id in existing]
    todo = [b for b in creates if b.doc.id not in existing]
    ctx.report("write sap", 0, len(todo))
    results = writer.to_sap(ctx, ctx.spec.sap_entity, "create",
                            [WriteRecord(b.doc.id, b.body) for b in todo])
    written: dict[str, Built] = {}
    for b in todo:
        result = results[b.doc.id]
        if result.pending:
            ctx.pending_reason = result.pending
        elif result.error is not None:
            outcomes.append(_out(ctx, b, None, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 result.error.code,
                                 messages.rejected("", "SAP", "Salesforce",
                                                   result.error).lstrip(": "), b.body,
                                 messages.fields_of(result.error)))
        elif result.remote_id:
            written[result.remote_id] = b
    rows = _by_entry(ctx, list(written))
    _finish(ctx, kind, {entry: (b, None) for entry, b in written.items()}, rows, outcomes)
    return adopted


def _update(ctx: RunContext, kind: DocumentKind, updates: list[tuple[Built, Link]],
            outcomes: list[OutcomeIn]) -> None:
    if not updates:
        return
    rows = _by_entry(ctx, [link.sap_key for _, link in updates])
    records: list[WriteRecord] = []
    todo: dict[str, tuple[Built, Link]] = {}
    closed: list[WriteRecord] = []
    for b, link in updates:
        row = rows.get(link.sap_key)
        base = link.base_values or {}
        if row is None:
            outcomes.append(_out(ctx, b, link.sap_key, OutcomeAction.ERROR,
                                 OutcomeStatus.FAILED, "DOCUMENT_MISSING",
                                 f"SAP {SAP_NAMES[ctx.spec.sap_entity]} {link.sap_key} no "
                                 "longer exists; unlink the record (b1hub link) and retry"))
            continue
        state = snapshot(row)
        if base.get("hash") == b.digest:
            if any(b.doc.raw.get(f) != status_fields(state, kind)[f]
                   for f in kind_confirm(kind)):
                closed.append(_told(b, state, kind))  # a run died before telling Salesforce
            continue
        if state["status"] != "Open":
            number = state["doc_num"]
            why = (f"SAP {SAP_NAMES[ctx.spec.sap_entity]} {number} is "
                   f"{state['status'].lower()}; changes made in Salesforce are not applied")
            outcomes.append(_out(ctx, b, link.sap_key, OutcomeAction.ERROR,
                                 OutcomeStatus.FAILED, "DOCUMENT_CLOSED",
                                 f"{why} — reopen it in SAP and retry, or leave it"))
            closed.append(WriteRecord(b.doc.id, {**status_fields(state, kind),
                                                 "SAP_SyncStatus__c": f"Not updated: {why}"},
                                      b.doc.id))
            continue
        body, removed = with_line_numbers(b, dict(base.get("lines") or {}))
        body = with_expense_numbers(body, row)
        records.append(WriteRecord(b.doc.id, body, link.sap_key,
                                   {"replace_collections": removed}))
        todo[link.sap_key] = (b, link)
    writer.to_salesforce(ctx, kind.header, "update", closed)
    ctx.report("write sap", 0, len(records))
    results = writer.to_sap(ctx, ctx.spec.sap_entity, "update", records)
    done: dict[str, tuple[Built, Link | None]] = {}
    for entry, (b, link) in todo.items():
        result = results[b.doc.id]
        if result.pending:
            ctx.pending_reason = result.pending
        elif result.error is not None:
            outcomes.append(_out(ctx, b, entry, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 result.error.code,
                                 messages.rejected("", "SAP", "Salesforce",
                                                   result.error).lstrip(": "),
                                 fields=messages.fields_of(result.error)))
        else:
            done[entry] = (b, link)
    _finish(ctx, kind, done, _by_entry(ctx, list(done)), outcomes)


def _line_numbers(b: Built, known: dict[str, int], row: dict[str, Any]) -> dict[str, int]:
    """Salesforce line Id -> SAP LineNum after a write: known lines kept theirs, new
    lines were appended in order."""
    numbers = sorted(int(line["LineNum"]) for line in row.get(LINES) or [])
    kept = {i: n for i, n in known.items() if i in b.line_ids and n in numbers}
    fresh = iter(n for n in numbers if n not in kept.values())
    out: dict[str, int] = {}
    for line_id in b.line_ids:
        number = kept.get(line_id)
        if number is None:
            number = next(fresh, None)
        if number is not None:
            out[line_id] = number
    return out


def _told(b: Built, state: dict[str, Any], kind: DocumentKind) -> WriteRecord:
    """The write showing a synced SAP document on its Salesforce record."""
    return WriteRecord(b.doc.id, {"SAP_SyncStatus__c": "OK", **status_fields(state, kind),
                                  "SAP_LastSync__c": now_iso()}, b.doc.id)


def with_expense_numbers(body: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Freight rows SAP has are updated in place (by ``LineNum``); one Salesforce no
    longer charges is set to zero rather than left at its old amount."""
    sent = {int(e["ExpenseCode"]): e for e in body.get(EXPENSES) or []}
    rows: list[dict[str, Any]] = []
    for current in row.get(EXPENSES) or []:
        code = int(current["ExpenseCode"])
        rows.append({**sent.pop(code, {"ExpenseCode": code, "LineTotal": 0.0}),
                     "LineNum": current["LineNum"]})
    rows.extend(sent.values())
    return {**body, EXPENSES: rows} if rows else body


def _finish(
    ctx: RunContext, kind: DocumentKind, written: dict[str, tuple[Built, Link | None]],
    rows: dict[str, dict[str, Any]], outcomes: list[OutcomeIn],
) -> None:
    """Record links and bases of written documents and show SAP's numbers in Salesforce."""
    back: list[WriteRecord] = []
    now = dt.datetime.now(dt.UTC)
    with ctx.hub.repos() as repos:
        for entry, (b, link) in written.items():
            row = rows.get(entry, {"DocEntry": entry})
            state = snapshot(row)
            if link is None:
                link = repos.links.insert_or_get(ctx.spec.name, entry, b.doc.id,
                                                 synced_at=now).link
                action = OutcomeAction.CREATE
            else:
                link = repos.session.merge(link)
                action = OutcomeAction.UPDATE
            known = dict((link.base_values or {}).get("lines") or {})
            link.base_values = {"hash": b.digest, "sap": state,
                                "lines": _line_numbers(b, known, row)}
            repos.links.record_sync(link, synced_at=now)
            outcomes.append(_out(ctx, b, entry, action, OutcomeStatus.SUCCEEDED,
                                 payload=b.body))
            back.append(_told(b, state, kind))
    writer.to_salesforce(ctx, kind.header, "update", back)
