"""Contacts both ways, one business partner / account pair at a time.

A change on either side (an SAP partner whose ``UpdateDate`` moved, a Salesforce
Contact) marks its pair dirty; each dirty pair is then settled whole: contact persons
linked to Contacts are merged field by field, unlinked ones are first matched (external
id, then e-mail, then name) and only then created. An SAP write is one PATCH of the
partner carrying just the changed members, each with its ``InternalCode`` (the Service
Layer merges collections by default), so siblings are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.mapping.transforms import text
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, ObjectDirection, OutcomeAction, OutcomeStatus
from b1hub.sync import writer
from b1hub.sync.context import RunContext
from b1hub.sync.hashing import record_hash
from b1hub.sync.pairs import (
    Version,
    first_base,
    our_echo,
    out,
    read_sap_changes,
    read_sf_changes,
    sap_modified,
    sap_records,
    save_checkpoint,
    settle,
    sf_modified,
    sf_rows_in,
)
from b1hub.sync.records import OpenRecords, now_iso, record_key

SAP_TO_SF = Direction.SAP_TO_SALESFORCE
SF_TO_SAP = Direction.SALESFORCE_TO_SAP
SAP_SELECT = ["CardCode", "CardType", "ContactEmployees", "UpdateDate", "UpdateTime"]
PARTNERS_PER_STEP = 40
ACCOUNT = "account"


def contact_key(card_code: str, internal_code: Any) -> str:
    return f"{card_code}:{internal_code}"


def sf_fields(ctx: RunContext) -> list[str]:
    return list(dict.fromkeys([*ctx.spec.field_map.salesforce_select(), "AccountId",
                               "SAP_ContactKey__c", "LastModifiedDate",
                               "LastModifiedById"]))


def run_contacts(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    """Both directions of one run (``sap_keys``/``sf_ids``: retry only these)."""
    flags = Flags(direction in (ObjectDirection.BOTH, ObjectDirection.SAP_TO_SALESFORCE),
                  direction in (ObjectDirection.BOTH, ObjectDirection.SALESFORCE_TO_SAP))
    if sap_keys is not None or sf_ids is not None:
        codes = {record_key(k) for k in sap_keys or ()}
        codes |= set(_codes_of_contacts(ctx, sf_ids or set()))
        sync_partners(ctx, codes, flags)
        return
    sf_changes = read_sf_changes(ctx, sf_fields(ctx), "AccountId != null", SF_TO_SAP)
    sap_changes = read_sap_changes(ctx, SAP_SELECT, "CardType eq 'cCustomer'", SAP_TO_SF)
    codes = _dirty(ctx, sap_changes.rows, sf_changes.rows)
    sync_partners(ctx, codes, flags)
    if ctx.pending_reason:
        return
    save_checkpoint(ctx, sf_changes, SF_TO_SAP)
    save_checkpoint(ctx, sap_changes, SAP_TO_SF)
    if ctx.sap_written:
        # absorb the echoes of this run's SAP writes now, so the next run starts quiet
        ctx.sap_written = 0
        again = read_sap_changes(ctx, SAP_SELECT, "CardType eq 'cCustomer'", SAP_TO_SF)
        sync_partners(ctx, _dirty(ctx, again.rows, []), flags)
        if not ctx.pending_reason:
            save_checkpoint(ctx, again, SAP_TO_SF)


@dataclass(frozen=True)
class Flags:
    to_sf: bool
    to_sap: bool


def _codes_of_contacts(ctx: RunContext, sf_ids: set[str]) -> list[str]:
    rows = sf_rows_in(ctx, ["AccountId"], "Contact", "Id", sf_ids)
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sf_ids(ACCOUNT, [str(r["AccountId"]) for r in rows
                                                   if r.get("AccountId")])
    return [link.sap_key for link in accounts.values()]


def _dirty(
    ctx: RunContext, sap_rows: list[dict[str, Any]], sf_rows: list[dict[str, Any]]
) -> set[str]:
    """CardCodes of the pairs to settle; contacts whose account is not linked yet wait."""
    spec = ctx.spec
    waits: list[OutcomeIn] = []
    with ctx.hub.repos() as repos:
        sap_codes = {str(r["CardCode"]): r for r in sap_rows}
        linked = repos.links.by_sap_keys(ACCOUNT, sap_codes)
        selected = {s.sap_key for s in repos.selections.all(ACCOUNT)}
        codes = set(linked)
        for code, row in sap_codes.items():
            if code not in linked and code in selected and row.get("ContactEmployees"):
                waits.append(out(ctx, SAP_TO_SF, OutcomeAction.SKIP, OutcomeStatus.WAITING,
                                 sap_key=code, sf_id=None,
                                 message=f"contacts of {code} wait for its account to be "
                                         "synced"))
        contact_links = repos.links.by_sf_ids(spec.name, [str(r["Id"]) for r in sf_rows])
        fresh = [r for r in sf_rows if not (our_echo(ctx, r) and str(r["Id"]) in contact_links)]
        accounts = repos.links.by_sf_ids(ACCOUNT, [str(r["AccountId"]) for r in fresh])
        unlinked = [r for r in fresh if str(r["AccountId"]) not in accounts]
        codes.update(accounts[str(r["AccountId"])].sap_key for r in fresh
                     if str(r["AccountId"]) in accounts)
        open_records = OpenRecords.load(repos, spec.name, SAP_TO_SF)
        ready = _linked(repos, open_records)
        codes.update(ready)
        waits.extend(out(ctx, SAP_TO_SF, OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED,
                         sap_key=code, sf_id=None, message="its account is linked now")
                     for code in ready)
        sf_open = OpenRecords.load(repos, spec.name, SF_TO_SAP)
    waiting_ids = set(sf_open.waiting)
    candidates = unlinked + ([{"Id": i} for i in waiting_ids] if waiting_ids else [])
    codes |= _sf_waiting(ctx, candidates, waits)
    if waits:
        with ctx.hub.repos() as repos:
            repos.outcomes.record(ctx.run_id, waits)
        ctx.count(waits)
    return codes


def _linked(repos: Repositories, open_records: OpenRecords) -> set[str]:
    return set(repos.links.by_sap_keys(ACCOUNT, open_records.waiting))


def _sf_waiting(
    ctx: RunContext, rows: list[dict[str, Any]], waits: list[OutcomeIn]
) -> set[str]:
    """Contacts of unlinked accounts: wait when the account will be synced, else skip;
    returns the CardCodes of those whose account got linked meanwhile."""
    if not rows:
        return set()
    ids = {str(r["Id"]) for r in rows}
    current = sf_rows_in(ctx, ["AccountId", "Account.Type", "Account.SAP_CardCode__c"],
                         "Contact", "Id", ids)
    codes: set[str] = set()
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sf_ids(ACCOUNT, [str(r.get("AccountId")) for r in current])
        for row in current:
            account = accounts.get(str(row.get("AccountId")))
            if account is not None:
                codes.add(account.sap_key)
                waits.append(out(ctx, SF_TO_SAP, OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED,
                                 sap_key=None, sf_id=str(row["Id"]),
                                 message="its account is linked now"))
                continue
            parent = row.get("Account") or {}
            if parent.get("Type") in ctx.settings.account_types or parent.get(
                    "SAP_CardCode__c"):
                waits.append(out(ctx, SF_TO_SAP, OutcomeAction.SKIP, OutcomeStatus.WAITING,
                                 sap_key=None, sf_id=str(row["Id"]),
                                 message=f"contact {row['Id']} waits for its account "
                                         f"{row.get('AccountId')} to be synced"))
    return codes


@dataclass
class Plan:
    """The writes of one step (a few dozen partners)."""

    sf_creates: list[WriteRecord] = field(default_factory=list)
    sf_updates: list[WriteRecord] = field(default_factory=list)
    sap_members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    new_members: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    """CardCode -> (Salesforce Id, member body) of contact persons to create."""
    bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Contact key -> merged values to store once its writes succeed."""
    sf_of: dict[str, str] = field(default_factory=dict)
    outcomes: list[OutcomeIn] = field(default_factory=list)


def sync_partners(ctx: RunContext, codes: set[str], flags: Flags) -> None:
    ordered = sorted(codes)
    for start in range(0, len(ordered), PARTNERS_PER_STEP):
        _step(ctx, ordered[start:start + PARTNERS_PER_STEP], flags)


def _step(ctx: RunContext, codes: list[str], flags: Flags) -> None:
    partners = sap_records(ctx, codes, SAP_SELECT)
    with ctx.hub.repos() as repos:
        accounts = repos.links.by_sap_keys(ACCOUNT, codes)
    contacts = sf_rows_in(ctx, sf_fields(ctx), "Contact", "AccountId",
                          [link.sf_id for link in accounts.values()])
    by_account: dict[str, list[dict[str, Any]]] = {}
    for row in contacts:
        by_account.setdefault(str(row["AccountId"]), []).append(row)
    plan = Plan()
    with ctx.hub.repos() as repos:
        for code in codes:
            if code in partners and code in accounts:
                _pair(ctx, repos, plan, partners[code], accounts[code].sf_id,
                      by_account.get(accounts[code].sf_id, []), flags)
    _write(ctx, plan)


def member_view(member: dict[str, Any]) -> dict[str, Any]:
    """A contact person as mapped: a missing last name falls back to its ``Name``."""
    if text(member.get("LastName")) is None:
        return {**member, "LastName": member.get("Name")}
    return member


def _pair(
    ctx: RunContext, repos: Repositories, plan: Plan, partner: dict[str, Any], account_id: str,
    contacts: list[dict[str, Any]], flags: Flags,
) -> None:
    spec = ctx.spec
    code = str(partner["CardCode"])
    members = {contact_key(code, m["InternalCode"]): m
               for m in partner.get("ContactEmployees") or []}
    sf_by_id = {str(r["Id"]): r for r in contacts}
    links = repos.links.by_sap_keys(spec.name, members)
    links.update({link.sap_key: link
                  for link in repos.links.by_sf_ids(spec.name, sf_by_id).values()})
    sap_values: dict[str, dict[str, Any]] = {}
    for key, member in members.items():
        mapped = spec.field_map.from_sap(member_view(member))
        if mapped.errors:
            plan.outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     sap_key=key, sf_id=None,
                                     message=f"contact person {key}: " + "; ".join(
                                         f"{e.field}: {e.reason}" for e in mapped.errors),
                                     fields=[e.field for e in mapped.errors]))
            continue
        sap_values[key] = mapped.values
    sf_values = {i: spec.field_map.from_salesforce(r).values for i, r in sf_by_id.items()}
    linked_sf = {link.sf_id for link in links.values()}
    unlinked_sap = {k: v for k, v in sap_values.items() if k not in links}
    unlinked_sf = {i: v for i, v in sf_values.items() if i not in linked_sf}
    for key, sf_id in match_people(unlinked_sap, unlinked_sf, sf_by_id).items():
        link = repos.links.insert_or_get(spec.name, key, sf_id).link
        link.base_values = first_base(sap_values[key], sf_values[sf_id])
        links[key] = link
        unlinked_sap.pop(key)
        unlinked_sf.pop(sf_id)
    for key, link in links.items():
        if key not in sap_values or link.sf_id not in sf_values:
            continue  # removed on one side: deletes are not synced
        _settle_pair(ctx, repos, plan, link, members[key], sap_values[key],
                     sf_by_id[link.sf_id], sf_values[link.sf_id], flags)
    if flags.to_sf:
        for key, values in unlinked_sap.items():
            data = spec.field_map.to_salesforce(values).values
            data.update({"AccountId": account_id, spec.salesforce_external_id: key,
                         "SAP_LastSync__c": now_iso(), "SAP_SyncStatus__c": "OK"})
            plan.sf_creates.append(WriteRecord(key, data))
            plan.bases[key] = values
    if flags.to_sap:
        taken = {str(m.get("Name")) for m in members.values()}
        for sf_id, values in unlinked_sf.items():
            body = spec.field_map.to_sap(values).values
            body["Name"] = _unique_name(values, taken)
            plan.new_members.setdefault(code, []).append((sf_id, body))
            plan.bases[sf_id] = values


def _settle_pair(
    ctx: RunContext, repos: Repositories, plan: Plan, link: Any, member: dict[str, Any],
    sap: dict[str, Any], raw: dict[str, Any], sf: dict[str, Any], flags: Flags,
) -> None:
    spec = ctx.spec
    settled = settle(ctx, repos, link, Version(sap, sap_modified(ctx, member)),
                     Version(sf, sf_modified(raw), raw), plan.outcomes)
    if settled.result is None:
        return
    result = settled.result
    to_sf = result.to_salesforce if flags.to_sf else {}
    to_sap = result.to_sap if flags.to_sap else {}
    xref = raw.get(spec.salesforce_external_id) != link.sap_key
    if not to_sf and not to_sap and not xref:
        if result.values != {k: v for k, v in (link.base_values or {}).items()
                             if not k.startswith("__")}:
            link.base_values = result.values
        return
    plan.bases[link.sap_key] = result.values
    plan.sf_of[link.sap_key] = link.sf_id
    if to_sf or xref:
        data = spec.field_map.to_salesforce(to_sf).values
        data.update({spec.salesforce_external_id: link.sap_key, "SAP_LastSync__c": now_iso(),
                     "SAP_SyncStatus__c": "OK"})
        plan.sf_updates.append(WriteRecord(link.sap_key, data, link.sf_id))
    if to_sap:
        body = spec.field_map.to_sap(to_sap).values
        body["InternalCode"] = member["InternalCode"]
        plan.sap_members.setdefault(str(member["CardCode"] or link.sap_key.split(":")[0]),
                                    []).append(body)


def _unique_name(values: dict[str, Any], taken: set[str]) -> str:
    """Contact person names are unique per partner in SAP."""
    stem = " ".join(p for p in (text(values.get("first_name")),
                                text(values.get("last_name"))) if p)[:46] or "Contact"
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem} {n}", n + 1
    taken.add(name)
    return name


def _norm(value: Any) -> str | None:
    out_ = text(value)
    return out_.casefold() if out_ else None


def match_people(
    sap: dict[str, dict[str, Any]], salesforce: dict[str, dict[str, Any]],
    raw: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """Pair unlinked contact persons with unlinked Contacts of the same account: by the
    external id, then a unique e-mail, then a unique first and last name; never guessed."""
    pairs: dict[str, str] = {}
    for key in sap:
        found = [i for i in salesforce if raw.get(i, {}).get("SAP_ContactKey__c") == key]
        if len(found) == 1:
            pairs[key] = found[0]
    rules = (lambda v: _norm(v.get("email")),
             lambda v: (_norm(v.get("first_name")), _norm(v.get("last_name")))
             if _norm(v.get("last_name")) else None)
    for rule in rules:
        left = {k: rule(v) for k, v in sap.items() if k not in pairs}
        right = {i: rule(v) for i, v in salesforce.items() if i not in pairs.values()}
        left_counts = Counter(v for v in left.values() if v)
        right_counts = Counter(v for v in right.values() if v)
        by_value = {v: i for i, v in right.items() if v and right_counts[v] == 1}
        for key, value in left.items():
            if value and left_counts[value] == 1 and value in by_value:
                pairs[key] = by_value[value]
    return pairs


def _write(ctx: RunContext, plan: Plan) -> None:
    spec = ctx.spec
    done: dict[str, str] = {}  # contact key -> Salesforce Id, written both ways
    outcomes = plan.outcomes
    created = writer.to_salesforce(ctx, "Contact", "upsert", plan.sf_creates,
                                   spec.salesforce_external_id)
    updated = writer.to_salesforce(ctx, "Contact", "update", plan.sf_updates)
    failed: set[str] = set()
    for key, result in {**created, **updated}.items():
        if result.pending:
            ctx.pending_reason = result.pending
            failed.add(key)
        elif result.error is not None:
            failed.add(key)
            outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                sap_key=key, sf_id=plan.sf_of.get(key),
                                message=f"Salesforce rejected contact {key}: "
                                        f"{result.error.message}", code=result.error.code,
                                fields=result.error.fields))
        else:
            sf_id = result.remote_id or plan.sf_of.get(key, "")
            done[key] = sf_id
            outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.CREATE if key in created
                                else OutcomeAction.UPDATE, OutcomeStatus.SUCCEEDED,
                                sap_key=key, sf_id=sf_id))
    bodies = {code: {"ContactEmployees": [*plan.sap_members.get(code, []),
                                          *(b for _, b in plan.new_members.get(code, []))]}
              for code in set(plan.sap_members) | set(plan.new_members)}
    sap = writer.to_sap(ctx, "BusinessPartners", "update",
                        [WriteRecord(code, body, code) for code, body in bodies.items()])
    new_keys = _new_member_keys(ctx, plan, {c for c, r in sap.items() if r.ok})
    fixes: list[WriteRecord] = []
    for code, result in sap.items():
        keys = [f"{code}:{m['InternalCode']}" for m in plan.sap_members.get(code, [])]
        ids = [sf_id for sf_id, _ in plan.new_members.get(code, [])]
        if result.pending:
            ctx.pending_reason = result.pending
            failed.update(keys)
            continue
        if result.error is not None:
            failed.update(keys)
            for sf_id in [*(plan.sf_of[k] for k in keys), *ids]:
                outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                    sap_key=code, sf_id=sf_id,
                                    message=f"SAP rejected the contact persons of {code}: "
                                            f"{result.error.message}",
                                    code=result.error.code, fields=result.error.fields))
            continue
        for key in keys:
            if key not in failed:
                done[key] = plan.sf_of[key]
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.UPDATE, OutcomeStatus.SUCCEEDED,
                                sap_key=key, sf_id=plan.sf_of[key]))
        for sf_id in ids:
            new_key = new_keys.get(sf_id)
            if new_key is None:
                continue
            done[new_key] = sf_id
            plan.bases[new_key] = plan.bases.pop(sf_id)
            fixes.append(WriteRecord(new_key, {spec.salesforce_external_id: new_key}, sf_id))
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.CREATE, OutcomeStatus.SUCCEEDED,
                                sap_key=new_key, sf_id=sf_id))
    writer.to_salesforce(ctx, "Contact", "update", fixes)
    _remember(ctx, plan, {k: v for k, v in done.items() if k not in failed}, outcomes)


def _new_member_keys(ctx: RunContext, plan: Plan, codes: set[str]) -> dict[str, str]:
    """InternalCodes the Service Layer gave the contact persons just created (PATCH
    answers 204 without a body): read back and found by their unique names."""
    wanted = {c: v for c, v in plan.new_members.items() if c in codes}
    if not wanted:
        return {}
    partners = sap_records(ctx, wanted, ["CardCode", "ContactEmployees"])
    found: dict[str, str] = {}
    for code, members in wanted.items():
        by_name = {str(m.get("Name")): m for m in
                   (partners.get(code) or {}).get("ContactEmployees") or []}
        for sf_id, body in members:
            member = by_name.get(str(body["Name"]))
            if member is not None:
                found[sf_id] = contact_key(code, member["InternalCode"])
    return found


def _remember(
    ctx: RunContext, plan: Plan, done: dict[str, str], outcomes: list[OutcomeIn]
) -> None:
    now = dt.datetime.now(dt.UTC)
    ctx.count(outcomes)
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        for key, sf_id in done.items():
            values = plan.bases.get(key)
            if values is None or not sf_id:
                continue
            link = repos.links.insert_or_get(ctx.spec.name, key, sf_id, synced_at=now).link
            link.base_values = values
            digest = record_hash(values)
            repos.links.record_sync(link, sap_hash=digest, sf_hash=digest, synced_at=now)
