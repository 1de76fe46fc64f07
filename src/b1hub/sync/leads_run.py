"""Which lead pairs a run settles, and in what chunks (the pairs themselves:
:mod:`b1hub.sync.leads`).

As for contacts, both sides' changes are first compared in memory with the links' merge
bases, so echoes of the hub's own writes and edits of unmapped fields cost nothing; only
new, changed or converted leads are settled, with the rows the change reads hold. SAP
partners are read in chunks and both checkpoints saved after each, so a run cut short
resumes after the last finished chunk. New Salesforce leads are created in SAP only
after the whole SAP read, so a new SAP lead anywhere in it is matched to them first.
"""

from __future__ import annotations

from typing import Any

from b1hub.store.types import Direction, ObjectDirection
from b1hub.sync.checkpoint import Position
from b1hub.sync.context import RunContext
from b1hub.sync.leads import SAP_SELECT, Known, sap_view, sf_fields, sync_leads
from b1hub.sync.pairs import (
    CONVERTED,
    ChangeRead,
    Flags,
    base_of,
    sap_changes,
    sf_changes,
    unchanged,
)

SAP_TO_SF = Direction.SAP_TO_SALESFORCE
SF_TO_SAP = Direction.SALESFORCE_TO_SAP
CHANGED = "CardType ne 'cSupplier'"
"""Leads, and customers that may be leads turned customer in SAP."""
CHUNK = 2000
"""Partners read, planned and written together (most of them customers, skipped); a
chunk of partners with their addresses and contact persons is about 20 MB."""
STEP = 1000
"""Leads settled together that only Salesforce changed."""


def run_leads(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    flags = Flags.of(direction)
    if sap_keys is not None or sf_ids is not None:
        sync_leads(ctx, set(sap_keys or ()), set(sf_ids or ()), flags)
        return
    sf_read, rows = sf_changes(ctx, sf_fields(ctx), None, SF_TO_SAP)
    leads = {str(r["Id"]): r for _, r in rows}
    dirty = _sf_dirty(ctx, sf_read, rows)
    sap_read, handled = _sap_chunks(ctx, flags, Known({}, leads, sf_read.full), dirty,
                                    sf_read, None)
    if handled is None:
        return
    rest = sorted(set(dirty) - handled)
    for start in range(0, len(rest), STEP):
        step = rest[start:start + STEP]
        sync_leads(ctx, set(), set(step), flags, Known({}, leads, sf_read.full))
        if ctx.pending_reason:
            return
        sf_read.done(dirty[i] for i in step)
        sf_read.save()
    sf_read.save()
    if ctx.sap_written:
        # absorb the echoes of this run's SAP writes now, so the next run starts quiet
        ctx.sap_written = 0
        _sap_chunks(ctx, flags, Known(), {}, None, sap_read)


def _sap_chunks(
    ctx: RunContext, flags: Flags, known: Known, dirty: dict[str, Position],
    sf_read: ChangeRead | None, after: ChangeRead | None,
) -> tuple[ChangeRead, set[str] | None]:
    """Settle each chunk of changed partners with the changed Salesforce leads linked to
    them; the read and the Salesforce Ids settled, None when the run must stop."""
    sap_read, chunks = sap_changes(ctx, SAP_SELECT, CHANGED, SAP_TO_SF, CHUNK, after)
    handled: set[str] = set()
    read = 0
    for chunk in chunks:
        read += len(chunk)
        ctx.report("read sap", read)
        partners = {str(row["CardCode"]): row for _, row in chunk}
        codes, ids = _sap_dirty(ctx, partners, set(dirty))
        settled = sync_leads(ctx, codes, ids, flags,
                             Known(partners, known.leads, known.every_lead))
        if ctx.pending_reason:
            return sap_read, None
        sap_read.done(position for position, _ in chunk)
        sap_read.save()
        if sf_read is not None:
            sf_read.done(dirty[i] for i in settled if i in dirty)
            sf_read.save()
        handled |= settled
        with ctx.hub.repos() as repos:
            repos.runs.heartbeat(ctx.run_id)
    sap_read.save()
    return sap_read, handled


def _sap_dirty(
    ctx: RunContext, partners: dict[str, dict[str, Any]], sf_dirty: set[str]
) -> tuple[set[str], set[str]]:
    """SAP leads new or changed since their base, linked leads turned customer, and the
    changed Salesforce leads linked to any partner of the chunk."""
    spec = ctx.spec
    with ctx.hub.repos() as repos:
        links = repos.links.by_sap_keys(spec.name, partners)
    codes: set[str] = set()
    for code, row in partners.items():
        link = links.get(code)
        if link is None:
            if row.get("CardType") == "cLid":
                codes.add(code)
            continue
        if (link.base_values or {}).get(CONVERTED):
            continue
        mapped = spec.field_map.from_sap(sap_view(row))
        if row.get("CardType") != "cLid" or mapped.errors or not unchanged(
                mapped.values, base_of(link)):
            codes.add(code)
    ids = {link.sf_id for link in links.values() if link.sf_id in sf_dirty}
    return codes, ids


def _sf_dirty(
    ctx: RunContext, read: ChangeRead, rows: list[tuple[Position, dict[str, Any]]]
) -> dict[str, Position]:
    """Salesforce leads to settle (new, changed since their base, or converted), by Id;
    the others are done."""
    spec = ctx.spec
    with ctx.hub.repos() as repos:
        links = repos.links.by_sf_ids(spec.name, [str(r["Id"]) for _, r in rows])
    dirty: dict[str, Position] = {}
    done: list[Position] = []
    for position, row in rows:
        link = links.get(str(row["Id"]))
        if link is None:
            clean = bool(row.get("IsConverted"))  # converted before it was ever linked
        elif (link.base_values or {}).get(CONVERTED):
            clean = True  # never written again
        else:
            mapped = spec.field_map.from_salesforce(row)
            clean = not row.get("IsConverted") and not mapped.errors and unchanged(
                mapped.values, base_of(link))
        if clean:
            done.append(position)
        else:
            dirty[str(row["Id"])] = position
    read.done(done)
    return dirty
