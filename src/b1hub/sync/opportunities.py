"""Opportunities: Salesforce → SAP sales opportunities; SAP sold/missed back as the stage.

SAP keeps an opportunity's stage history as lines: a stage change appends a line (a
sold or missed opportunity is reopened for that, as SAP refuses lines on closed ones,
-1029). The Salesforce Id is kept in ``U_B1H_SFID`` and looked up before every create.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.service_layer.reading import record_checkpoint
from b1hub.mapping.transforms import checked_text
from b1hub.mapping.values import UnmappedValue
from b1hub.objects import udfs
from b1hub.store.models import Link
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, ObjectDirection, OutcomeAction, OutcomeStatus
from b1hub.sync import messages, writer
from b1hub.sync.checkpoint import Position, parse_utc
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.doc_build import SAP_LIMIT
from b1hub.sync.doc_source import DocRead, SfDocument, changed_rows, id_list, nested, query_all
from b1hub.sync.hashing import record_hash
from b1hub.sync.reader import ReadState, cursor_after, read_chunks, read_start, sap_clock
from b1hub.sync.records import OpenRecords, unchanged_since

IN, OUT = Direction.SALESFORCE_TO_SAP, Direction.SAP_TO_SALESFORCE
ENTITY = "SalesOpportunities"
FIELDS = ["SystemModstamp", "Name", "AccountId", "StageName", "CloseDate", "Amount",
          "CreatedDate", "OwnerId", "Owner.Username", "SAP_SequentialNo__c"]
STATUS = {"Closed Won": "sos_Sold", "Closed Lost": "sos_Missed"}
STAGE_OF_STATUS = {"sos_Sold": "Closed Won", "sos_Missed": "Closed Lost"}


def run_opportunities(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    retrying = sap_keys is not None or sf_ids is not None
    inbound = direction in (ObjectDirection.SALESFORCE_TO_SAP, ObjectDirection.BOTH)
    if inbound and (not retrying or sf_ids):
        _to_sap(ctx, sf_ids if retrying else None)
    if not retrying:
        _status_back(ctx)


def _read(ctx: RunContext, retry_ids: set[str] | None) -> tuple[DocRead, OpenRecords]:
    with ctx.hub.repos() as repos:
        read = DocRead(repos.checkpoints.load(ctx.spec.name, IN), None)
        open_records = OpenRecords.load(repos, ctx.spec.name, IN)
    wanted = set(retry_ids if retry_ids is not None else open_records.waiting)
    if retry_ids is None:
        rows, read.header_high = changed_rows(ctx, "Opportunity", FIELDS, read.header_cursor)
        wanted.update(str(r["Id"]) for r in rows)
    ordered = sorted(wanted)
    columns = ", ".join(dict.fromkeys(["Id", *FIELDS,
                                       *ctx.spec.field_map.salesforce_select()]))
    for start in range(0, len(ordered), 100):
        group = ordered[start:start + 100]
        soql = f"SELECT {columns} FROM Opportunity WHERE Id IN {id_list(group)}"
        for raw in query_all(ctx, soql):
            modified = parse_utc(str(raw["SystemModstamp"]))
            read.documents[str(raw["Id"])] = SfDocument(str(raw["Id"]), raw, modified)
    return read, open_records


class BadValue(ValueError):
    """A Salesforce value SAP cannot take; ``fields`` names where it is."""

    def __init__(self, text: str, fields: list[str]) -> None:
        super().__init__(text)
        self.fields = fields


def desired(ctx: RunContext, doc: SfDocument, card_code: str) -> dict[str, Any]:
    """The SAP values of an opportunity; raises UnmappedValue for an unmapped stage and
    BadValue for a value SAP cannot take (never sent without it)."""
    raw = doc.raw
    try:
        name = checked_text(raw.get("Name"))
    except ValueError as exc:
        raise BadValue(f"cannot map Name: {exc} — fix it in Salesforce and retry",
                       ["Name"]) from None
    amount = float(raw.get("Amount") or 0.0)
    if not -SAP_LIMIT < amount < SAP_LIMIT:
        raise BadValue(f"amount {amount:g} (Amount) is out of range: SAP holds at most 13 "
                       "digits before the decimal point — correct it in Salesforce and "
                       "retry", ["Amount"])
    maps = ctx.spec.field_map.value_maps
    stage_name = str(raw.get("StageName") or "")
    stage = None if stage_name == "Closed Lost" else int(
        str(maps["opportunity_stages"].from_salesforce(stage_name)))
    try:
        person = int(str(maps["sales_persons"].from_salesforce(
            nested(raw, "Owner.Username") or "")))
    except UnmappedValue:
        person = ctx.settings.default_sales_person
    read = ctx.spec.field_map.from_salesforce(raw)
    converted = ctx.spec.field_map.to_sap(read.values)
    errors = [*read.errors, *converted.errors]
    if errors:
        raise BadValue(messages.unmapped("", "Salesforce", errors).removeprefix(": "),
                       [e.field for e in errors])
    mapped = converted.values
    mapped.pop("CardCode", None)  # the partner is always the linked account's
    return {"CardCode": card_code, "OpportunityName": (name or "")[:100],
            "StartDate": str(raw.get("CreatedDate") or "")[:10] or None,
            "PredictedClosingDate": raw.get("CloseDate"),
            "MaxLocalTotal": amount, "SalesPerson": person,
            "Status": STATUS.get(stage_name, "sos_Open"), **mapped, "stage": stage}


def _body(values: dict[str, Any], sf_id: str, new_stage: bool) -> dict[str, Any]:
    body = {k: v for k, v in values.items() if k != "stage"}
    body[udfs.SFID] = sf_id
    if new_stage and values["stage"] is not None:
        body["SalesOpportunitiesLines"] = [{
            "StageKey": values["stage"], "SalesPerson": values["SalesPerson"],
            "StartDate": dt.date.today().isoformat(), "MaxLocalTotal": values["MaxLocalTotal"]}]
    return body


def _out(ctx: RunContext, doc: SfDocument, key: str | None, action: OutcomeAction,
         status: OutcomeStatus, code: str | None = None, text: str | None = None,
         fields: list[str] | None = None) -> OutcomeIn:
    label = messages.describe("Opportunity", str(doc.raw.get("Name") or ""), "Salesforce",
                              doc.id)
    return OutcomeIn(ctx.spec.name, IN, action, status, sap_key=key, sf_id=doc.id,
                     error_code=code, error_message=f"{label}: {text}" if text else None,
                     error_fields=fields or [])


def _existing(ctx: RunContext, ids: list[str]) -> dict[str, dict[str, Any]]:
    """SAP opportunities already carrying these Salesforce Ids (an interrupted run's)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 20):
        condition = " or ".join(f"{udfs.SFID} eq '{i}'" for i in ids[start:start + 20])
        for page in ctx.sap.iter_pages(ENTITY, select=["SequentialNo", udfs.SFID,
                                                       "CurrentStageNo", "Status"],
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            found.update({str(r[udfs.SFID]): r for r in page})
    return found


def _to_sap(ctx: RunContext, retry_ids: set[str] | None) -> None:
    read, open_records = _read(ctx, retry_ids)
    stages = set(ctx.settings.opportunity_stages)
    outcomes: list[OutcomeIn] = []
    plans: list[tuple[SfDocument, Link | None, dict[str, Any]]] = []
    told: list[WriteRecord] = []
    with ctx.hub.repos() as repos:
        links = repos.links.by_sf_ids(ctx.spec.name, list(read.documents))
        accounts = repos.links.by_sf_ids("account", [str(d.raw.get("AccountId") or "")
                                                    for d in read.documents.values()])
        for doc in read.documents.values():
            link = links.get(doc.id)
            if retry_ids is None and unchanged_since(doc.modified,
                                                     open_records.parked.get(doc.id)):
                continue
            if link is None and stages and doc.raw.get("StageName") not in stages:
                continue
            account = accounts.get(str(doc.raw.get("AccountId") or ""))
            if account is None:
                outcomes.append(_out(ctx, doc, None, OutcomeAction.CREATE,
                                     OutcomeStatus.WAITING, "WAITING_FOR_ACCOUNT",
                                     f"waits for its account (Salesforce "
                                     f"{doc.raw.get('AccountId') or 'none'}) to be synced "
                                     "to SAP", ["AccountId"]))
                continue
            try:
                values = desired(ctx, doc, account.sap_key)
            except UnmappedValue as exc:
                outcomes.append(_out(ctx, doc, link.sap_key if link else None,
                                     OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     "UNMAPPED_STAGE", f"StageName: {exc}", ["StageName"]))
                continue
            except BadValue as exc:
                outcomes.append(_out(ctx, doc, link.sap_key if link else None,
                                     OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     "INVALID_VALUE", str(exc), exc.fields))
                continue
            if link is not None and (link.base_values or {}).get("hash") == record_hash(values):
                if doc.raw.get("SAP_SequentialNo__c") != link.sap_key:
                    told.append(WriteRecord(doc.id, {"SAP_SequentialNo__c": link.sap_key},
                                            doc.id))  # a run died before telling Salesforce
                continue
            plans.append((doc, link, values))
    writer.to_salesforce(ctx, "Opportunity", "update", told)
    # SAP's current stage, not the link's, decides whether a stage line is added: a run
    # killed after adding one and before saving the link must not add it twice
    existing = _existing(ctx, [d.id for d, link, values in plans if link is None
                               or values["stage"] != (link.base_values or {}).get("stage")])
    for doc, link, values in plans:
        outcomes.append(_write(ctx, doc, link, values, existing.get(doc.id)))
    ctx.count(outcomes)
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        if retry_ids is None and ctx.pending_reason is None:
            saved = cursor_after(read.header_high, read.read_at, read.header_cursor)
            if saved is not None:
                repos.checkpoints.save(ctx.spec.name, IN, saved)


def _write(ctx: RunContext, doc: SfDocument, link: Link | None, values: dict[str, Any],
           adopted: dict[str, Any] | None) -> OutcomeIn:
    """Create or update one SAP opportunity; one found by its Salesforce Id (created by
    a run that died before linking it, or whose stage changes) is updated from the stage
    it already has."""
    base = (link.base_values or {}) if link else {}
    key = link.sap_key if link else None
    if adopted is not None:
        key = str(adopted["SequentialNo"])
        base = {"stage": adopted.get("CurrentStageNo"), "status": adopted.get("Status")}
    if key is None:
        result = writer.to_sap(ctx, ENTITY, "create",
                               [WriteRecord(doc.id, _body(values, doc.id, True))])[doc.id]
        key = result.remote_id if result.ok else None
        action = OutcomeAction.CREATE
    else:
        new_stage = values["stage"] is not None and values["stage"] != base.get("stage")
        body = _body(values, doc.id, new_stage)
        closing = None
        if new_stage and "sos_Open" not in (body["Status"], base.get("status", "sos_Open")):
            # SAP refuses lines on a sold or missed opportunity (-1029): open, add, close
            writer.to_sap(ctx, ENTITY, "update",
                          [WriteRecord(doc.id, {"Status": "sos_Open"}, key)])
        if new_stage and body["Status"] != "sos_Open":
            closing, body["Status"] = body["Status"], "sos_Open"
        result = writer.to_sap(ctx, ENTITY, "update", [WriteRecord(doc.id, body, key)])[doc.id]
        if closing is not None and result.ok:
            result = writer.to_sap(ctx, ENTITY, "update",
                                   [WriteRecord(doc.id, {"Status": closing}, key)])[doc.id]
        action = OutcomeAction.UPDATE if link else OutcomeAction.CREATE
    if result.pending:
        ctx.pending_reason = result.pending
        return _out(ctx, doc, key, OutcomeAction.ERROR, OutcomeStatus.FAILED, "PENDING",
                    result.pending)
    if result.error is not None or key is None:
        error = result.error
        text = messages.rejected("", "SAP", "Salesforce", error).lstrip(": ") if error else \
            "SAP did not return the new opportunity's number"
        return _out(ctx, doc, key, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                    error.code if error else "NO_KEY", text)
    with ctx.hub.repos() as repos:
        saved = repos.links.insert_or_get(ctx.spec.name, key, doc.id).link
        saved.base_values = {"hash": record_hash(values), "stage": values["stage"],
                             "status": values["Status"]}
        repos.links.record_sync(saved)
    if doc.raw.get("SAP_SequentialNo__c") != key:
        writer.to_salesforce(ctx, "Opportunity", "update",
                             [WriteRecord(doc.id, {"SAP_SequentialNo__c": key}, doc.id)])
    return _out(ctx, doc, key, action, OutcomeStatus.SUCCEEDED)


def _status_back(ctx: RunContext) -> None:
    """SAP sold/missed → StageName Closed Won/Closed Lost on the linked Opportunity."""
    with ctx.hub.repos() as repos:
        cursor = repos.checkpoints.load(ctx.spec.name, OUT)
    read_at = dt.datetime.now(dt.UTC)
    state = ReadState()
    high: Position | None = None
    changed: list[tuple[Link, str]] = []
    start = read_start(cursor, ctx.overlap, sap_clock(ctx.settings.time_zone))
    for chunk in read_chunks(ctx.sap, ENTITY, ["SequentialNo", "Status"], start, where=None,
                             position_of=_position, chunk_size=500, state=state,
                             page_size=0):
        high = chunk.rows[-1][0]
        with ctx.hub.repos() as repos:
            links = repos.links.by_sap_keys(ctx.spec.name,
                                            [str(r["SequentialNo"]) for _, r in chunk.rows])
        for _, row in chunk.rows:
            link = links.get(str(row["SequentialNo"]))
            status = str(row.get("Status") or "sos_Open")
            if link is not None and (link.base_values or {}).get("status") != status:
                changed.append((link, status))
    if state.stop is not None:
        raise Paused(state.stop)
    records = [WriteRecord(link.sf_id, {"StageName": STAGE_OF_STATUS[status],
                                        "SAP_SequentialNo__c": link.sap_key}, link.sf_id)
               for link, status in changed if status in STAGE_OF_STATUS]
    results = writer.to_salesforce(ctx, "Opportunity", "update", records)
    outcomes: list[OutcomeIn] = []
    with ctx.hub.repos() as repos:
        for link, status in changed:
            result = results.get(link.sf_id)
            if result is not None and result.pending:
                ctx.pending_reason = result.pending
                continue
            if result is not None and result.error is not None:
                outcomes.append(OutcomeIn(ctx.spec.name, OUT, OutcomeAction.ERROR,
                                          OutcomeStatus.FAILED, sap_key=link.sap_key,
                                          sf_id=link.sf_id, error_code=result.error.code,
                                          error_message=result.error.message))
                continue
            saved = repos.session.merge(link)
            saved.base_values = {**(saved.base_values or {}), "status": status, "hash": None}
            repos.links.record_sync(saved)
            if result is not None:
                outcomes.append(OutcomeIn(ctx.spec.name, OUT, OutcomeAction.UPDATE,
                                          OutcomeStatus.SUCCEEDED, sap_key=link.sap_key,
                                          sf_id=link.sf_id))
        repos.outcomes.record(ctx.run_id, outcomes)
        if ctx.pending_reason is None:
            saved_cursor = cursor_after(high, read_at, cursor)
            if saved_cursor is not None:
                repos.checkpoints.save(ctx.spec.name, OUT, saved_cursor)
    ctx.count(outcomes)


def _position(row: dict[str, Any]) -> Position:
    checkpoint = record_checkpoint(row, "SequentialNo")
    return Position(checkpoint.timestamp, checkpoint.key)
