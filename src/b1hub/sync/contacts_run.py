"""Which contact pairs a run settles, and in what chunks (the pairs themselves:
:mod:`b1hub.sync.contacts`).

Both sides' changes since their checkpoints are first compared, in memory, with the
links' merge bases: a contact person or Contact equal to its base did not change (an
echo of the hub's own write, an edit of an unmapped field) and costs nothing more. Only
the pairs left, with a changed or new contact on either side, are settled, with the rows
the change reads already hold; what those lack is read by key, hundreds of pairs per
request. So an idle poll is one SOQL query and one Service Layer page whatever the data
size. A first load reads each side once, keeping only which accounts have Contacts, and
reads those again by account with their partners' chunk: holding the whole first read put
the load's peak at 592 MB at 85,000 partners.

SAP partners are read in chunks; once a chunk's pairs are written, both checkpoints are
saved, so a run cut short resumes after the last finished chunk (a first Salesforce read
is saved once finished: a load cut short reads every Contact again, those already linked
settle in memory).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from b1hub.store.models import Link
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, ObjectDirection, OutcomeAction, OutcomeStatus
from b1hub.sync.checkpoint import Position
from b1hub.sync.contacts import (
    Linked,
    Plan,
    contact_key,
    member_view,
    plan_pair,
    settle_matches,
    sf_fields,
    write_plan,
)
from b1hub.sync.context import RunContext
from b1hub.sync.pairs import (
    ChangeRead,
    Flags,
    base_of,
    out,
    sap_changes,
    sap_records,
    sf_change_chunks,
    sf_rows_in,
    unchanged,
)
from b1hub.sync.records import record_key

SAP_TO_SF = Direction.SAP_TO_SALESFORCE
SF_TO_SAP = Direction.SALESFORCE_TO_SAP
SAP_SELECT = ["CardCode", "CardType", "ContactEmployees", "UpdateDate", "UpdateTime"]
CUSTOMERS = "CardType eq 'cCustomer'"
PARENT = ["Account.Type", "Account.SAP_CardCode__c"]
"""Read with each changed Contact: whether its unlinked account is one to wait for."""
CHUNK = 2000
"""Partners read, planned and written together: about 5,000 contacts, so a first load
writes in Bulk jobs and every Collections request is full."""
STEP = 1000
"""Pairs settled together that only Salesforce changed (their partners read by key)."""
ACCOUNT = "account"


@dataclass
class Known:
    """What a step has at hand already, so it reads only the rest."""

    partners: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Account Id -> Contact Id -> the Contact as read this run."""
    every_contact: bool = False
    """The accounts' Contacts read this run are all of them (a first, full read)."""
    whole: set[str] = field(default_factory=set)
    """CardCodes whose account's Contacts must be read whole (one became ready, or a
    first read saw some and did not keep them)."""


@dataclass
class SfScan:
    """The Salesforce changes sorted out: the pairs they make dirty, the rest done.

    A first, full read keeps no Contact: only which accounts have some (``present``),
    read again by account with their partners' chunk, so a load of 200,000 Contacts
    holds a chunk's worth of them, not all.
    """

    dirty: set[str] = field(default_factory=set)
    """CardCodes of the pairs with a Contact new or changed since its base."""
    positions: dict[str, list[Position]] = field(default_factory=lambda: defaultdict(list))
    """CardCode -> where its changed Contacts sit in the read (not for a full read)."""
    contacts: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict))
    """Account Id -> the changed Contacts as read (not for a full read)."""
    present: set[str] = field(default_factory=set)
    """Full read: CardCodes of the linked accounts with at least one Contact."""
    ready: set[str] = field(default_factory=set)
    """CardCodes with a Contact that waited for its account, linked now."""

    def settled(self, codes: Iterable[str]) -> list[Position]:
        """Forget these pairs; the positions of their Contacts, done now."""
        done: list[Position] = []
        for code in codes:
            self.dirty.discard(code)
            self.ready.discard(code)
            done.extend(self.positions.pop(code, ()))
        return done

    def known(self, partners: dict[str, dict[str, Any]], codes: set[str], full: bool) -> Known:
        """What settling ``codes`` has at hand (``full``: this run read every Contact)."""
        whole = {c for c in codes if c in self.ready or c in self.present}
        return Known(partners, self.contacts, full, whole)


def run_contacts(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    """Both directions of one run (``sap_keys``/``sf_ids``: retry only these)."""
    flags = Flags.of(direction)
    if sap_keys is not None or sf_ids is not None:
        codes = {record_key(k) for k in sap_keys or ()}
        codes |= set(_codes_of_contacts(ctx, sf_ids or set()))
        _settle(ctx, sorted(codes), Known(whole=codes), flags)
        return
    sf_read, chunks = sf_change_chunks(ctx, [*sf_fields(ctx), *PARENT], "AccountId != null",
                                       SF_TO_SAP, whole_when_full=True)
    scan = _scan_sf(ctx, sf_read, chunks)
    scan.ready |= _sap_ready(ctx)
    sap_read = _sap_chunks(ctx, flags, scan, sf_read, None)
    if sap_read is None:
        return
    rest = sorted(scan.dirty | scan.ready)
    for start in range(0, len(rest), STEP):
        step = rest[start:start + STEP]
        _settle(ctx, step, scan.known({}, set(step), sf_read.full), flags)
        if ctx.pending_reason:
            return
        sf_read.done(scan.settled(step))
        sf_read.save()
    sf_read.finish()
    sf_read.save()
    if ctx.sap_written:
        # absorb the echoes of this run's SAP writes now, so the next run starts quiet
        ctx.sap_written = 0
        _sap_chunks(ctx, flags, SfScan(), None, sap_read)


def _sap_chunks(
    ctx: RunContext, flags: Flags, scan: SfScan, sf_read: ChangeRead | None,
    after: ChangeRead | None,
) -> ChangeRead | None:
    """Settle the pairs of each chunk of changed partners (and the Salesforce changes of
    those pairs, forgotten from ``scan`` once settled); the read, None when the run must
    stop."""
    sap_read, chunks = sap_changes(ctx, SAP_SELECT, CUSTOMERS, SAP_TO_SF, CHUNK, after)
    read = 0
    full = sf_read is not None and sf_read.full
    for chunk in chunks:
        read += len(chunk)
        ctx.report("read sap", read)
        partners = {str(row["CardCode"]): row for _, row in chunk}
        codes = _sap_dirty(ctx, partners) | {
            c for c in partners if c in scan.dirty or c in scan.ready}
        _settle(ctx, sorted(codes), scan.known(partners, codes, full), flags)
        if ctx.pending_reason:
            return None
        sap_read.done(position for position, _ in chunk)
        sap_read.save()
        scan.present -= set(partners)
        if sf_read is not None:
            sf_read.done(scan.settled(codes))
            sf_read.save()
        with ctx.hub.repos() as repos:
            repos.runs.heartbeat(ctx.run_id)
    sap_read.save()
    return sap_read


def _codes_of_contacts(ctx: RunContext, sf_ids: set[str]) -> list[str]:
    rows = sf_rows_in(ctx, ["AccountId"], "Contact", "Id", sf_ids)
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sf_ids(ACCOUNT, [str(r["AccountId"]) for r in rows
                                                   if r.get("AccountId")])
    return [link.sap_key for link in accounts.values()]


def _recorded(link: Link | None, values: dict[str, Any]) -> bool:
    """The pair was written both ways and this side has not changed since. A link without
    hashes was saved before its writes (a matched pair, a converted lead's Contact): a run
    cut short may have left the Contact without its SAP key, so its pair stays dirty."""
    return link is not None and link.sf_hash is not None and unchanged(values, base_of(link))


def _sap_dirty(ctx: RunContext, partners: dict[str, dict[str, Any]]) -> set[str]:
    """CardCodes of linked partners with a contact person new or changed since its base;
    contacts of a marked partner whose account is not linked yet wait for it."""
    spec = ctx.spec
    keys = [contact_key(code, m["InternalCode"]) for code, row in partners.items()
            for m in row.get("ContactEmployees") or []]
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sap_keys(ACCOUNT, partners)
        links = repos.links.by_sap_keys(spec.name, keys)
        selected = repos.selections.types_of(ACCOUNT, [
            c for c, row in partners.items() if c not in accounts and row.get("ContactEmployees")])
    dirty: set[str] = set()
    waits: list[OutcomeIn] = []
    for code, row in partners.items():
        members = row.get("ContactEmployees") or []
        if code not in accounts:
            if code in selected and members:
                waits.append(out(ctx, SAP_TO_SF, OutcomeAction.SKIP, OutcomeStatus.WAITING,
                                 sap_key=code, sf_id=None,
                                 message=f"the contact persons of {code} wait for its account "
                                         "to be synced (run the account sync first)"))
            continue
        for member in members:
            link = links.get(contact_key(code, member["InternalCode"]))
            mapped = spec.field_map.from_sap(member_view(member))
            if mapped.errors or not _recorded(link, mapped.values):
                dirty.add(code)
                break
    _record(ctx, waits)
    return dirty


def _scan_sf(
    ctx: RunContext, read: ChangeRead, chunks: Iterator[list[tuple[Position, dict[str, Any]]]]
) -> SfScan:
    """Sort the changed Contacts, a page at a time: unchanged since their base (done), of a
    linked account (its pair is dirty), or of an unlinked one (waits for it, or is not
    synced). A full read keeps only which accounts have Contacts."""
    spec = ctx.spec
    scan = SfScan()
    with ctx.hub.repos() as repos:
        waiting = _waiting_contacts(repos, spec.name)
    legacy = [i for i, account in waiting.items() if not account]
    if legacy:  # waits recorded before the account's Id was kept with them: look it up
        found = sf_rows_in(ctx, ["AccountId", *PARENT], "Contact", "Id", legacy)
        waiting.update({str(row["Id"]): str(row.get("AccountId")) for row in found})
        _record(ctx, [o for row in found for o in _wait(ctx, row)])
    count = 0
    for rows in chunks:
        count += len(rows)
        ctx.report("read salesforce", count)
        with ctx.hub.repos() as repos:
            links = repos.links.by_sf_ids(spec.name, [str(r["Id"]) for _, r in rows])
            accounts = repos.links.by_sf_ids(ACCOUNT, {str(r.get("AccountId")) for _, r in rows})
        outcomes: list[OutcomeIn] = []
        done: list[Position] = []
        for position, row in rows:
            sf_id, account_id = str(row["Id"]), str(row.get("AccountId"))
            account = accounts.get(account_id)
            if not read.each:
                if account is not None:
                    scan.present.add(account.sap_key)
            else:
                scan.contacts[account_id][sf_id] = row
            link = links.get(sf_id)
            mapped = spec.field_map.from_salesforce(row)
            if not mapped.errors and _recorded(link, mapped.values):
                done.append(position)
                continue
            waiting.pop(sf_id, None)  # settled or waiting again below
            if account is not None:
                scan.dirty.add(account.sap_key)
                if read.each:
                    scan.positions[account.sap_key].append(position)
            else:
                done.append(position)
                outcomes.extend(_wait(ctx, row))
        read.done(done)
        _record(ctx, outcomes)
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sf_ids(ACCOUNT, {a for a in waiting.values() if a})
    outcomes = []
    for sf_id, parent_id in waiting.items():  # waited before, unchanged since
        parent = accounts.get(parent_id or "")
        if parent is not None:
            scan.ready.add(parent.sap_key)
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED,
                                sap_key=None, sf_id=sf_id, message="its account is linked now"))
    _record(ctx, outcomes)
    return scan


def _wait(ctx: RunContext, row: dict[str, Any]) -> list[OutcomeIn]:
    """A Contact of an unlinked account waits when that account will be synced (its type
    is integrated, or it carries a CardCode); any other is not synced."""
    parent = row.get("Account") or {}
    if parent.get("Type") not in ctx.settings.account_types and not parent.get(
            "SAP_CardCode__c"):
        return []
    sf_id, account_id = str(row["Id"]), str(row.get("AccountId"))
    return [out(ctx, SF_TO_SAP, OutcomeAction.SKIP, OutcomeStatus.WAITING, sap_key=None,
                sf_id=sf_id, payload={"AccountId": account_id}, fields=["AccountId"],
                message=f"contact {sf_id} waits for its account (AccountId {account_id}) to "
                        "be synced (run the account sync first)")]


def _waiting_contacts(repos: Repositories, object_name: str) -> dict[str, str | None]:
    """Contacts waiting for their account: Salesforce Id -> the account's Id."""
    return {sf_id: (payload or {}).get("AccountId")
            for _, sf_id, payload in repos.outcomes.open_waiting(object_name, SF_TO_SAP)
            if sf_id}


def _sap_ready(ctx: RunContext) -> set[str]:
    """Partners whose contacts waited for the account, linked now."""
    with ctx.hub.repos() as repos:
        waiting = {record_key(key) for key, _, _ in
                   repos.outcomes.open_waiting(ctx.spec.name, SAP_TO_SF) if key}
        ready = set(repos.links.by_sap_keys(ACCOUNT, waiting))
    _record(ctx, [out(ctx, SAP_TO_SF, OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED,
                      sap_key=code, sf_id=None, message="its account is linked now")
                  for code in sorted(ready)])
    return ready


def _record(ctx: RunContext, outcomes: list[OutcomeIn]) -> None:
    if outcomes:
        with ctx.hub.repos() as repos:
            repos.outcomes.record(ctx.run_id, outcomes)
        ctx.count(outcomes)


def _settle(ctx: RunContext, codes: list[str], known: Known, flags: Flags) -> None:
    """Plan and write these pairs, reading by key only what ``known`` lacks: partners not
    read this run, and the Contacts of an account when they are needed whole (a contact
    person to match before creating it, or a Contact that waited for its account)."""
    if not codes:
        return
    partners = {c: known.partners[c] for c in codes if c in known.partners}
    partners.update(sap_records(ctx, [c for c in codes if c not in partners], SAP_SELECT))
    keys = [contact_key(c, m["InternalCode"]) for c in codes
            for m in (partners.get(c) or {}).get("ContactEmployees") or []]
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sap_keys(ACCOUNT, codes)
        member_links = set(repos.links.by_sap_keys(ctx.spec.name, keys))
    whole: set[str] = set()
    for code in codes:
        members = (partners.get(code) or {}).get("ContactEmployees") or []
        if code in accounts and (code in known.whole or (not known.every_contact and any(
                contact_key(code, m["InternalCode"]) not in member_links for m in members))):
            whole.add(accounts[code].sf_id)
    pairs = {code: accounts[code].sf_id for code in codes if code in partners and code in accounts}
    contacts = {a: dict(known.contacts.get(a, {})) for a in pairs.values()}
    for row in sf_rows_in(ctx, sf_fields(ctx), "Contact", "AccountId", whole):
        contacts.setdefault(str(row["AccountId"]), {})[str(row["Id"])] = row
    plan = Plan()
    with ctx.hub.repos() as repos:
        linked = Linked(repos.links.by_sap_keys(ctx.spec.name, keys), repos.links.by_sf_ids(
            ctx.spec.name, [i for a in pairs.values() for i in contacts.get(a, ())]))
        for code, account_id in pairs.items():
            plan_pair(ctx, repos, plan, partners[code], account_id,
                      list(contacts.get(account_id, {}).values()), flags, linked,
                      every_contact=known.every_contact or account_id in whole)
        settle_matches(ctx, repos, plan, flags)
    write_plan(ctx, plan)
