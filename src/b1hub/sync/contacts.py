"""Contacts both ways, one business partner / account pair at a time.

A contact person or Contact changed on either side marks its pair dirty (which pairs,
and what is read for them: :mod:`b1hub.sync.contacts_run`); each dirty pair is then
settled whole: contact persons linked to Contacts are merged field by field (a Contact
not read this run is unchanged, so its link's base stands for it), unlinked ones are
first matched (external id, then e-mail, then name) and only then created. An SAP write
is one PATCH of the partner carrying just the changed members, each with its
``InternalCode`` (the Service Layer merges collections by default), so siblings are
never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.mapping.fields import FieldError
from b1hub.mapping.transforms import text
from b1hub.store.models import Link
from b1hub.store.repositories import LinkState, Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import messages, writer
from b1hub.sync.context import RunContext
from b1hub.sync.hashing import record_hash
from b1hub.sync.pairs import (
    Flags,
    Version,
    base_of,
    first_base,
    out,
    sap_modified,
    sap_records,
    settle,
    sf_modified,
)
from b1hub.sync.records import now_iso

SAP_TO_SF = Direction.SAP_TO_SALESFORCE
SF_TO_SAP = Direction.SALESFORCE_TO_SAP


def contact_key(card_code: str, internal_code: Any) -> str:
    return f"{card_code}:{internal_code}"


def sf_fields(ctx: RunContext) -> list[str]:
    return list(dict.fromkeys([*ctx.spec.field_map.salesforce_select(), "AccountId",
                               "SAP_ContactKey__c", "LastModifiedDate",
                               "LastModifiedById"]))


@dataclass
class Plan:
    """The writes of one step (a chunk of partners)."""

    sf_creates: list[WriteRecord] = field(default_factory=list)
    sf_updates: list[WriteRecord] = field(default_factory=list)
    sap_members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    new_members: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    """CardCode -> (Salesforce Id, member body) of contact persons to create."""
    bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Contact key -> merged values to store once its writes succeed."""
    sf_of: dict[str, str] = field(default_factory=dict)
    outcomes: list[OutcomeIn] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    """Contact key or Salesforce Id -> how its errors name the record."""
    matches: list[Match] = field(default_factory=list)
    """Unlinked pairs found to be the same person: linked together, then settled."""


@dataclass(frozen=True)
class Match:
    key: str
    sf_id: str
    member: dict[str, Any]
    sap: dict[str, Any]
    raw: dict[str, Any]
    sf: dict[str, Any]


@dataclass(frozen=True)
class Linked:
    """The contact links of a step's pairs, read at once: by contact key and by Id."""

    by_key: dict[str, Link]
    by_sf: dict[str, Link]


def member_view(member: dict[str, Any]) -> dict[str, Any]:
    """A contact person as mapped: a missing last name falls back to its ``Name``."""
    if text(member.get("LastName")) is None:
        return {**member, "LastName": member.get("Name")}
    return member


def plan_pair(
    ctx: RunContext, repos: Repositories, plan: Plan, partner: dict[str, Any], account_id: str,
    contacts: list[dict[str, Any]], flags: Flags, linked: Linked, *, every_contact: bool,
) -> None:
    """Plan the writes of one partner / account pair.

    ``contacts``: the account's Contacts read this run; ``every_contact`` says they are all
    of them. When they are only the changed ones, a linked contact person whose Contact is
    not among them is merged against the link's base as its Salesforce side (that Contact
    did not change since the checkpoint); when they are all, a missing one was deleted.
    Pairs matched here are settled by :func:`settle_matches` once linked.
    """
    spec = ctx.spec
    code = str(partner["CardCode"])
    members = {contact_key(code, m["InternalCode"]): m
               for m in partner.get("ContactEmployees") or []}
    sf_by_id = {str(r["Id"]): r for r in contacts}
    links = {key: linked.by_key[key] for key in members if key in linked.by_key}
    links.update({linked.by_sf[i].sap_key: linked.by_sf[i] for i in sf_by_id
                  if i in linked.by_sf})
    sf_key = {link.sf_id: key for key, link in links.items()}
    sap_values: dict[str, dict[str, Any]] = {}
    for key, member in members.items():
        plan.labels[key] = person_label(member.get("Name"), "SAP", key)
        mapped = spec.field_map.from_sap(member_view(member))
        if mapped.errors:
            plan.outcomes.append(_unmapped(ctx, SAP_TO_SF, plan.labels[key], mapped.errors,
                                           sap_key=key, sf_id=links[key].sf_id
                                           if key in links else None))
            continue
        sap_values[key] = mapped.values
    sf_values: dict[str, dict[str, Any]] = {}
    for sf_id, row in sf_by_id.items():
        name = " ".join(str(row[f]) for f in ("FirstName", "LastName") if row.get(f))
        plan.labels[sf_id] = person_label(name, "Salesforce", sf_id)
        mapped = spec.field_map.from_salesforce(row)
        if mapped.errors:  # left out whole: a missing value must never blank SAP's
            plan.outcomes.append(_unmapped(ctx, SF_TO_SAP, plan.labels[sf_id], mapped.errors,
                                           sap_key=sf_key.get(sf_id), sf_id=sf_id))
            continue
        sf_values[sf_id] = mapped.values
    linked_sf = {link.sf_id for link in links.values()}
    unlinked_sap = {k: v for k, v in sap_values.items() if k not in links}
    unlinked_sf = {i: v for i, v in sf_values.items() if i not in linked_sf}
    for key, sf_id in match_people(unlinked_sap, unlinked_sf, sf_by_id).items():
        plan.matches.append(Match(key, sf_id, members[key], unlinked_sap.pop(key),
                                  sf_by_id[sf_id], unlinked_sf.pop(sf_id)))
    for key, link in links.items():
        if key not in sap_values:
            continue  # removed in SAP: deletes are not synced
        if link.sf_id in sf_values:
            _settle_pair(ctx, repos, plan, link, members[key], sap_values[key],
                         sf_by_id[link.sf_id], sf_values[link.sf_id], flags)
        elif link.sf_id not in sf_by_id and not every_contact:
            _settle_pair(ctx, repos, plan, link, members[key], sap_values[key], None,
                         base_of(link), flags)
        # else removed in Salesforce (deletes are not synced) or parked with its error
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


def settle_matches(ctx: RunContext, repos: Repositories, plan: Plan, flags: Flags) -> None:
    """Link the matched pairs of a step at once (a first load matches thousands), each
    with a first base, then settle them like any linked pair."""
    if not plan.matches:
        return
    saved = repos.links.save_many(ctx.spec.name, [
        LinkState(m.key, m.sf_id, first_base(m.sap, m.sf)) for m in plan.matches],
        synced_at=dt.datetime.now(dt.UTC))
    if saved.conflicts:
        raise saved.conflicts[0]
    for m in plan.matches:
        _settle_pair(ctx, repos, plan, saved.links[m.key], m.member, m.sap, m.raw, m.sf, flags)


def person_label(name: Any, side: str, key: str) -> str:
    """``Contact 'Jane Doe' (Salesforce 003...)``: the record an error is about."""
    return messages.describe("Contact", str(name).strip() if name else None, side, key)


def _unmapped(
    ctx: RunContext, direction: Direction, label: str, errors: list[FieldError], *,
    sap_key: str | None, sf_id: str | None,
) -> OutcomeIn:
    source = "SAP" if direction is SAP_TO_SF else "Salesforce"
    return out(ctx, direction, OutcomeAction.ERROR, OutcomeStatus.FAILED, sap_key=sap_key,
               sf_id=sf_id, message=messages.unmapped(label, source, errors),
               fields=[e.field for e in errors])


def _settle_pair(
    ctx: RunContext, repos: Repositories, plan: Plan, link: Any, member: dict[str, Any],
    sap: dict[str, Any], raw: dict[str, Any] | None, sf: dict[str, Any], flags: Flags,
) -> None:
    """``raw`` None: the Contact was not read (unchanged), ``sf`` is the link's base."""
    spec = ctx.spec
    changed = sap_modified(ctx, member)
    settled = settle(ctx, repos, link, Version(sap, changed),
                     Version(sf, sf_modified(raw) if raw else changed, raw or {}),
                     plan.outcomes)
    if settled.result is None:
        return
    result = settled.result
    to_sf = result.to_salesforce if flags.to_sf else {}
    to_sap = result.to_sap if flags.to_sap else {}
    # a matched link is saved before its SAP key is written to the Contact; until a
    # write records the pair (sf_hash), the key is sent again
    xref = link.sf_hash is None or (
        raw is not None and raw.get(spec.salesforce_external_id) != link.sap_key)
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


def write_plan(ctx: RunContext, plan: Plan) -> None:
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
                                message=messages.rejected(plan.labels.get(key, key),
                                                          "Salesforce", "SAP", result.error),
                                code=result.error.code, fields=messages.fields_of(result.error)))
        else:
            sf_id = result.remote_id or plan.sf_of.get(key, "")
            done[key] = sf_id
            outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.CREATE if key in created
                                else OutcomeAction.UPDATE, OutcomeStatus.SUCCEEDED,
                                sap_key=key, sf_id=sf_id))
    sap = _write_members(ctx, plan)
    new_keys = _new_member_keys(ctx, plan, {code for (code, ref), r in sap.items()
                                            if r.ok and ref not in plan.sf_of})
    fixes: list[WriteRecord] = []
    for (code, ref), result in sap.items():
        is_new = ref not in plan.sf_of
        sf_id = ref if is_new else plan.sf_of[ref]
        if result.pending:
            ctx.pending_reason = result.pending
            failed.add(ref)
        elif result.error is not None:
            failed.add(ref)
            label = plan.labels.get(sf_id, sf_id)
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                sap_key=code if is_new else ref, sf_id=sf_id,
                                message=messages.rejected(label, "SAP", "Salesforce",
                                                          result.error),
                                code=result.error.code, fields=messages.fields_of(result.error)))
        elif not is_new:
            done[ref] = sf_id
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.UPDATE, OutcomeStatus.SUCCEEDED,
                                sap_key=ref, sf_id=sf_id))
        elif (new_key := new_keys.get(sf_id)) is not None:
            done[new_key] = sf_id
            plan.bases[new_key] = plan.bases.pop(sf_id)
            fixes.append(WriteRecord(new_key, {spec.salesforce_external_id: new_key}, sf_id))
            outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.CREATE, OutcomeStatus.SUCCEEDED,
                                sap_key=new_key, sf_id=sf_id))
    writer.to_salesforce(ctx, "Contact", "update", fixes)
    _remember(ctx, plan, {k: v for k, v in done.items() if k not in failed}, outcomes)


def _write_members(ctx: RunContext, plan: Plan) -> dict[tuple[str, str], writer.Written]:
    """(CardCode, contact key or new contact's Salesforce Id) -> its fate. One PATCH per
    partner carries its changed contact persons; when SAP refuses one that carried
    several, each is sent again alone, so one bad contact never fails its siblings."""
    members: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for code, bodies in plan.sap_members.items():
        members[code] = [(contact_key(code, b["InternalCode"]), b) for b in bodies]
    for code, fresh in plan.new_members.items():
        members.setdefault(code, []).extend(fresh)
    first = writer.to_sap(ctx, "BusinessPartners", "update", [
        WriteRecord(code, {"ContactEmployees": [b for _, b in group]}, code)
        for code, group in members.items()])
    results = {(code, ref): first[code] for code, group in members.items() for ref, _ in group}
    alone = {f"{code} {ref}": (code, ref, body) for code, group in members.items()
             if first[code].error is not None and len(group) > 1 for ref, body in group}
    again = writer.to_sap(ctx, "BusinessPartners", "update", [
        WriteRecord(key, {"ContactEmployees": [body]}, code)
        for key, (code, _, body) in alone.items()])
    results.update({(code, ref): again[key] for key, (code, ref, _) in alone.items()})
    return results


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
    """Outcomes, then the links and merge bases of the pairs written, a few statements
    per 500 pairs."""
    ctx.count(outcomes)
    states = [LinkState(key, sf_id, values, sap_hash=digest, sf_hash=digest)
              for key, sf_id in done.items()
              if sf_id and (values := plan.bases.get(key)) is not None
              for digest in [record_hash(values)]]
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        saved = repos.links.save_many(ctx.spec.name, states, synced_at=dt.datetime.now(dt.UTC))
        if saved.conflicts:
            raise saved.conflicts[0]
