"""SAP → Salesforce for documents: number, status and total shown on the Salesforce record.

SAP documents changed since the checkpoint are read; a linked one whose state differs
from what Salesforce was last told gets one update. The hub's own document writes come
back here with the state already written, so they cost nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.service_layer.reading import record_checkpoint
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import writer
from b1hub.sync.checkpoint import Position
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.doc_source import WON_OPPORTUNITY, DocumentKind, kind_of
from b1hub.sync.reader import ReadState, cursor_after, read_chunks, read_start, sap_clock
from b1hub.sync.records import now_iso

DIRECTION = Direction.SAP_TO_SALESFORCE
SNAPSHOT_FIELDS = ["DocEntry", "DocNum", "DocTotal", "DocumentStatus", "Cancelled",
                   "NumAtCard", "DocumentLines", "DocumentAdditionalExpenses", "UpdateDate",
                   "UpdateTime"]
STATUS_TEXT = {"bost_Open": "Open", "bost_Close": "Closed", "bost_Paid": "Paid",
               "bost_Delivered": "Delivered"}


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """What Salesforce shows of an SAP document."""
    status = "Cancelled" if row.get("Cancelled") == "tYES" else STATUS_TEXT.get(
        str(row.get("DocumentStatus")), str(row.get("DocumentStatus")))
    total = row.get("DocTotal")
    return {"entry": str(row.get("DocEntry")), "doc_num": row.get("DocNum"), "status": status,
            "total": None if total is None else round(float(total), 2)}


def status_fields(state: dict[str, Any], kind: DocumentKind) -> dict[str, Any]:
    """The fields showing the SAP document on its Salesforce record; an opportunity
    (which has no document fields) gets a one-line summary in its sync status."""
    if kind is WON_OPPORTUNITY:
        total = "" if state["total"] is None else f", total {state['total']:.2f}"
        return {"SAP_SyncStatus__c": f"SAP sales order {state['doc_num']}: "
                                     f"{state['status']}{total}"}
    return {"SAP_DocEntry__c": state["entry"],
            "SAP_DocNum__c": None if state["doc_num"] is None else str(state["doc_num"]),
            "SAP_Status__c": state["status"], "SAP_DocTotal__c": state["total"]}


def kind_confirm(kind: DocumentKind) -> tuple[str, ...]:
    """Fields read with the record that show whether Salesforce was told already."""
    return ("SAP_SyncStatus__c",) if kind is WON_OPPORTUNITY else ("SAP_DocEntry__c",)


def run_status_back(ctx: RunContext) -> None:
    spec = ctx.spec
    clock = sap_clock(ctx.settings.time_zone)
    with ctx.hub.repos() as repos:
        cursor = repos.checkpoints.load(spec.name, DIRECTION)
    read_at = dt.datetime.now(dt.UTC)
    state = ReadState()
    high: Position | None = None
    for chunk in read_chunks(ctx.sap, spec.sap_entity, SNAPSHOT_FIELDS,
                             read_start(cursor, ctx.overlap, clock), where=None,
                             position_of=_position, chunk_size=500, state=state, page_size=0):
        high = chunk.rows[-1][0]
        _process(ctx, [row for _, row in chunk.rows])
    if state.stop is not None:
        raise Paused(state.stop)
    if ctx.pending_reason is None:
        with ctx.hub.repos() as repos:
            saved = cursor_after(high, read_at, cursor)
            if saved is not None:
                repos.checkpoints.save(spec.name, DIRECTION, saved)


def _position(row: dict[str, Any]) -> Position:
    checkpoint = record_checkpoint(row, "DocEntry")
    return Position(checkpoint.timestamp, checkpoint.key)


def _process(ctx: RunContext, rows: list[dict[str, Any]]) -> None:
    spec = ctx.spec
    with ctx.hub.repos() as repos:
        links = repos.links.by_sap_keys(spec.name, [str(r["DocEntry"]) for r in rows])
        changed = []
        for row in rows:
            link = links.get(str(row["DocEntry"]))
            if link is None:
                continue
            state = snapshot(row)
            if (link.base_values or {}).get("sap") != state:
                changed.append((link, state))
    results: dict[str, writer.Written] = {}
    for kind in {kind_of(link.sf_id) for link, _ in changed}:
        records = [WriteRecord(link.sf_id, {**status_fields(state, kind),
                                            "SAP_LastSync__c": now_iso()}, link.sf_id)
                   for link, state in changed if kind_of(link.sf_id) is kind]
        results.update(writer.to_salesforce(ctx, kind.header, "update", records))
    outcomes: list[OutcomeIn] = []
    with ctx.hub.repos() as repos:
        for link, state in changed:
            result = results[link.sf_id]
            if result.pending:
                ctx.pending_reason = result.pending
                continue
            if result.error is not None:
                outcomes.append(OutcomeIn(spec.name, DIRECTION, OutcomeAction.ERROR,
                                          OutcomeStatus.FAILED, sap_key=link.sap_key,
                                          sf_id=link.sf_id, error_code=result.error.code,
                                          error_message=result.error.message))
                continue
            link = repos.session.merge(link)
            link.base_values = {**(link.base_values or {}), "sap": state}
            repos.links.record_sync(link)
            outcomes.append(OutcomeIn(spec.name, DIRECTION, OutcomeAction.UPDATE,
                                      OutcomeStatus.SUCCEEDED, sap_key=link.sap_key,
                                      sf_id=link.sf_id, payload=state))
        repos.outcomes.record(ctx.run_id, outcomes)
    ctx.count(outcomes)
