"""Leads both ways: SAP business partners of type lead ⇄ Salesforce Leads.

Like contacts, a change on either side marks the pair dirty (which pairs:
:mod:`b1hub.sync.leads_run`) and both current versions are merged against the link's
base. Unlinked records are matched before anything is
created (external id, then company with e-mail or last name). A new SAP lead takes its
CardCode from the lead series, and the code is written to the Salesforce lead *before*
the partner is created: a create cut short by a crash is found by that code next run
instead of being made twice. Converted leads (either side) go to
:mod:`b1hub.sync.conversion` and are never written again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.mapping.transforms import text
from b1hub.store.models import Link
from b1hub.store.repositories import LinkState, Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import conversion, writer
from b1hub.sync.codes import CodeSeries
from b1hub.sync.context import RunContext
from b1hub.sync.hashing import record_hash
from b1hub.sync.pairs import (
    CONVERTED,
    Flags,
    Version,
    first_base,
    out,
    sap_modified,
    sap_records,
    settle,
    sf_modified,
    sf_rows_in,
)
from b1hub.sync.records import now_iso

SAP_TO_SF = Direction.SAP_TO_SALESFORCE
SF_TO_SAP = Direction.SALESFORCE_TO_SAP
SAP_SELECT = ["CardCode", "CardName", "CardType", "EmailAddress", "Phone1", "Cellular",
              "BPAddresses", "ContactEmployees", "UpdateDate", "UpdateTime"]
BILL_IDS = ("BPCode", "AddressName", "AddressType", "RowNum")
DUPLICATE = "-10"
NEW_LEAD = {"Status": "Open - Not Contacted", "LeadSource": "Other"}


def sf_fields(ctx: RunContext) -> list[str]:
    return list(dict.fromkeys([*ctx.spec.field_map.salesforce_select(), "SAP_CardCode__c",
                               "IsConverted", "ConvertedAccountId", "ConvertedContactId",
                               "LastModifiedDate", "LastModifiedById"]))


@dataclass
class Plan:
    sf_creates: list[WriteRecord] = field(default_factory=list)
    sf_updates: list[WriteRecord] = field(default_factory=list)
    sap_updates: list[WriteRecord] = field(default_factory=list)
    sap_creates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(Salesforce Id, canonical values) of leads to create in SAP."""
    bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    """CardCode -> Salesforce Id of every pair written this step."""
    outcomes: list[OutcomeIn] = field(default_factory=list)


def sap_view(partner: dict[str, Any]) -> dict[str, Any]:
    """The partner as the lead map reads it: the person's name from the first contact
    person, or split from the partner's name when it has none."""
    members = sorted(partner.get("ContactEmployees") or [],
                     key=lambda m: int(m.get("InternalCode") or 0))
    if members:
        first, last = members[0].get("FirstName"), members[0].get("LastName") or members[0].get(
            "Name")
    else:
        words = (text(partner.get("CardName")) or "").rsplit(" ", 1)
        first, last = (words[0], words[1]) if len(words) == 2 else (None, words[0] or None)
    return {**partner, "_FirstName": first, "_LastName": last}


@dataclass
class Known:
    """What a step has at hand already, so it reads only the rest."""

    partners: dict[str, dict[str, Any]] = field(default_factory=dict)
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Leads read this run, by Id: candidates to link a new SAP lead to."""
    every_lead: bool = False
    """``leads`` holds every Lead of the org (a first, full read)."""


def sync_leads(
    ctx: RunContext, codes: set[str], ids: set[str], flags: Flags, known: Known | None = None,
) -> set[str]:
    """Settle the pairs of these SAP leads and Salesforce leads, create the new ones of
    ``codes`` and ``ids`` (a new SAP lead is first matched against every lead at hand);
    returns the Salesforce Ids settled or linked."""
    spec = ctx.spec
    known = known or Known()
    with ctx.hub.repos() as repos:
        links = repos.links.by_sap_keys(spec.name, codes)
        links.update({link.sap_key: link
                      for link in repos.links.by_sf_ids(spec.name, ids).values()})
    wanted = codes | set(links)
    partners = {c: known.partners[c] for c in wanted if c in known.partners}
    partners.update(sap_records(ctx, wanted - set(partners), SAP_SELECT))
    wanted_ids = ids | {link.sf_id for link in links.values()}
    leads = {i: known.leads[i] for i in wanted_ids if i in known.leads}
    leads.update({str(r["Id"]): r for r in sf_rows_in(ctx, sf_fields(ctx), "Lead", "Id",
                                                      wanted_ids - set(leads))})
    new_sap = {c for c, p in partners.items() if c not in links and p.get("CardType") == "cLid"}
    linked_ids = {link.sf_id for link in links.values()}
    new_sf = {i for i, r in leads.items() if i not in linked_ids and not r.get("IsConverted")}
    plan = Plan()
    with ctx.hub.repos() as repos:
        adopted = _adopt(ctx, repos, new_sap, new_sf, partners, leads, known)
        # into this session, so the merge bases _settle sets without a write are saved
        links = {code: repos.session.merge(link, load=False) for code, link in links.items()}
        links.update(adopted)
        for code, link in sorted(links.items()):
            partner, lead = partners.get(code), leads.get(link.sf_id)
            if partner is None or lead is None or (link.base_values or {}).get(CONVERTED):
                continue
            if lead.get("IsConverted") or partner.get("CardType") == "cCustomer":
                continue  # conversion, below, outside this transaction
            _settle(ctx, repos, plan, link, partner, lead, flags)
    for code, link in sorted(links.items()):
        partner, lead = partners.get(code), leads.get(link.sf_id)
        if partner is None or lead is None or (link.base_values or {}).get(CONVERTED):
            continue
        if lead.get("IsConverted"):
            conversion.from_salesforce(ctx, link, partner, lead, plan.outcomes)
        elif partner.get("CardType") == "cCustomer" and flags.to_sf:
            conversion.from_sap(ctx, link, partner, lead, plan.outcomes)
    for code in sorted(new_sap - set(adopted)):
        if flags.to_sf:
            _plan_sf_create(ctx, plan, partners[code])
    adopted_ids = {link.sf_id for link in adopted.values()}
    for sf_id in sorted(new_sf - adopted_ids):
        if flags.to_sap:
            mapped = spec.field_map.from_salesforce(leads[sf_id])
            if mapped.errors:
                plan.outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.ERROR,
                                         OutcomeStatus.FAILED, sap_key=None, sf_id=sf_id,
                                         message="; ".join(f"{e.field}: {e.reason}"
                                                           for e in mapped.errors),
                                         fields=[e.field for e in mapped.errors]))
                continue
            plan.sap_creates.append((sf_id, mapped.values))
    _write(ctx, plan, partners)
    return {link.sf_id for link in links.values()} | new_sf


def _adopt(
    ctx: RunContext, repos: Repositories, new_sap: set[str], new_sf: set[str],
    partners: dict[str, dict[str, Any]], leads: dict[str, dict[str, Any]], known: Known,
) -> dict[str, Link]:
    """Link unlinked leads found on both sides (the external id, a code reserved before
    a crash, or company plus e-mail / last name) instead of creating them again."""
    spec = ctx.spec
    sap_values = {c: spec.field_map.from_sap(sap_view(partners[c])).values for c in new_sap}
    pool = dict(leads)  # the leads this step may link, besides the run's (``known``)
    if new_sap and not known.every_lead:
        names = [str(v.get("company")) for v in sap_values.values() if v.get("company")]
        for row in [*sf_rows_in(ctx, sf_fields(ctx), "Lead", "SAP_CardCode__c", new_sap,
                                "IsConverted = false"),
                    *sf_rows_in(ctx, sf_fields(ctx), "Lead", "Company", names,
                                "IsConverted = false")]:
            pool.setdefault(str(row["Id"]), row)
    reserved = {str(leads[i]["SAP_CardCode__c"]): i for i in new_sf
                if leads[i].get("SAP_CardCode__c")}
    missing = set(reserved) - set(partners)
    if missing:
        partners.update(sap_records(ctx, missing, SAP_SELECT, "CardType eq 'cLid'"))
        for code in missing & set(partners):
            sap_values[code] = spec.field_map.from_sap(sap_view(partners[code])).values
    if not sap_values:
        return {}
    taken_sap = set(repos.links.by_sap_keys(spec.name, sap_values))
    pairs: dict[str, str] = {}
    for code, sf_id in reserved.items():
        if code in sap_values and code not in taken_sap:
            pairs[code] = sf_id
    cached = ctx.cache.get("lead_index")
    if cached is None or cached[0] is not known.leads:  # the run's leads mapped once
        cached = ctx.cache["lead_index"] = (known.leads, _LeadIndex.of(ctx, known.leads))
    indexes = [_LeadIndex.of(ctx, pool), cached[1]]
    options = {code: list(dict.fromkeys(i for index in indexes
                                        for i in index.options(code, values)))
               for code, values in sap_values.items()
               if code not in pairs and code not in taken_sap}
    taken_sf = set(repos.links.by_sf_ids(spec.name, {i for o in options.values() for i in o}))
    mapped: dict[str, dict[str, Any]] = {}
    paired = set(pairs.values())
    for code, found_in in options.items():
        found = []
        for i in found_in:
            if i in paired or i in taken_sf:
                continue
            row = pool.get(i) or known.leads[i]
            if i not in mapped:
                mapped[i] = spec.field_map.from_salesforce(row).values
            if _same_lead(code, sap_values[code], row, mapped[i]):
                found.append(i)
        if len(found) == 1:
            pairs[code] = found[0]
            paired.add(found[0])
    adopted: dict[str, Link] = {}
    for code, sf_id in pairs.items():
        row = pool.get(sf_id) or known.leads[sf_id]
        sf_values = spec.field_map.from_salesforce(row).values
        link = repos.links.insert_or_get(spec.name, code, sf_id).link
        link.base_values = first_base(sap_values[code], sf_values)
        leads.setdefault(sf_id, row)
        adopted[code] = link
    return adopted


@dataclass
class _LeadIndex:
    """Unconverted leads by the CardCode they carry, else by company: the few a new SAP
    lead is compared with."""

    by_code: dict[str, list[str]] = field(default_factory=dict)
    by_company: dict[str | None, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: RunContext, rows: dict[str, dict[str, Any]]) -> _LeadIndex:
        index = cls()
        for i, row in rows.items():
            if row.get("IsConverted"):
                continue
            if row.get("SAP_CardCode__c"):
                index.by_code.setdefault(str(row["SAP_CardCode__c"]), []).append(i)
            else:
                company = ctx.spec.field_map.from_salesforce(row).values.get("company")
                index.by_company.setdefault(_norm(company), []).append(i)
        return index

    def options(self, code: str, values: dict[str, Any]) -> list[str]:
        return [*self.by_code.get(code, ()), *self.by_company.get(_norm(values.get("company")),
                                                                  ())]


def _norm(value: Any) -> str | None:
    t = text(value)
    return t.casefold() if t else None


def _same_lead(
    code: str, values: dict[str, Any], row: dict[str, Any], other: dict[str, Any]
) -> bool:
    if row.get("SAP_CardCode__c"):
        return str(row["SAP_CardCode__c"]) == code
    if _norm(values.get("company")) != _norm(other.get("company")):
        return False
    email = _norm(values.get("email"))
    if email and email == _norm(other.get("email")):
        return True
    last = _norm(values.get("last_name"))
    return last is not None and last == _norm(other.get("last_name"))


def _settle(
    ctx: RunContext, repos: Repositories, plan: Plan, link: Link, partner: dict[str, Any],
    lead: dict[str, Any], flags: Flags,
) -> None:
    spec = ctx.spec
    sap = spec.field_map.from_sap(sap_view(partner))
    sf = spec.field_map.from_salesforce(lead)
    if sap.errors or sf.errors:
        errors = sap.errors or sf.errors
        plan.outcomes.append(out(ctx, SAP_TO_SF if sap.errors else SF_TO_SAP,
                                 OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 sap_key=link.sap_key, sf_id=link.sf_id,
                                 message="; ".join(f"{e.field}: {e.reason}" for e in errors),
                                 fields=[e.field for e in errors]))
        return
    settled = settle(ctx, repos, link, Version(sap.values, sap_modified(ctx, partner)),
                     Version(sf.values, sf_modified(lead), lead), plan.outcomes)
    if settled.result is None:
        return
    result = settled.result
    to_sf = result.to_salesforce if flags.to_sf else {}
    to_sap = result.to_sap if flags.to_sap else {}
    xref = lead.get(spec.salesforce_external_id) != link.sap_key
    if not to_sf and not to_sap and not xref:
        link.base_values = {**(link.base_values or {}), **result.values}
        return
    plan.bases[link.sap_key] = result.values
    plan.pairs[link.sap_key] = link.sf_id
    if to_sf or xref:
        data = spec.field_map.to_salesforce(to_sf).values
        data[spec.salesforce_external_id] = link.sap_key
        plan.sf_updates.append(WriteRecord(link.sap_key, data, link.sf_id))
    if to_sap:
        plan.sap_updates.append(WriteRecord(link.sap_key, sap_body(ctx, to_sap, partner),
                                            link.sap_key))


def sap_body(ctx: RunContext, values: dict[str, Any], partner: dict[str, Any]) -> dict[str, Any]:
    """An SAP update (or create) body: the person's name goes to the first contact person
    (updated by its InternalCode, or added), the address updates the stored bill-to
    member in place (all four identifiers sent, else SAP would append a new one)."""
    body = ctx.spec.field_map.to_sap(values).values
    first, last = body.pop("_FirstName", None), body.pop("_LastName", None)
    if "first_name" in values or "last_name" in values:
        members = sorted(partner.get("ContactEmployees") or [],
                         key=lambda m: int(m.get("InternalCode") or 0))
        person: dict[str, Any] = {}
        if "first_name" in values:
            person["FirstName"] = first
        if "last_name" in values:
            person["LastName"] = last
        if members:
            person["InternalCode"] = members[0]["InternalCode"]
        else:
            name = " ".join(p for p in (text(values.get("first_name")),
                                        text(values.get("last_name"))) if p)
            person["Name"] = (name or "Contact")[:50]
        body["ContactEmployees"] = [person]
    for address in body.get("BPAddresses") or []:
        stored = next((a for a in partner.get("BPAddresses") or []
                       if a.get("AddressType") == address.get("AddressType")), None)
        if stored is not None:
            address.update({k: stored.get(k) for k in BILL_IDS})
        else:
            address.setdefault("AddressName", "Bill To")
    return body


def _plan_sf_create(ctx: RunContext, plan: Plan, partner: dict[str, Any]) -> None:
    spec = ctx.spec
    code = str(partner["CardCode"])
    mapped = spec.field_map.from_sap(sap_view(partner))
    if mapped.errors:
        plan.outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 sap_key=code, sf_id=None,
                                 message="; ".join(f"{e.field}: {e.reason}"
                                                   for e in mapped.errors),
                                 fields=[e.field for e in mapped.errors]))
        return
    data = spec.field_map.to_salesforce(mapped.values).values
    data.update({**NEW_LEAD, spec.salesforce_external_id: code,
                 "SAP_LastSync__c": now_iso(), "SAP_SyncStatus__c": "OK"})
    plan.sf_creates.append(WriteRecord(code, data))
    plan.bases[code] = mapped.values


def _write(ctx: RunContext, plan: Plan, partners: dict[str, dict[str, Any]]) -> None:
    spec = ctx.spec
    done: dict[str, str] = {}
    failed: set[str] = set()
    created = writer.to_salesforce(ctx, "Lead", "upsert", plan.sf_creates,
                                   spec.salesforce_external_id)
    updated = writer.to_salesforce(ctx, "Lead", "update", plan.sf_updates)
    for key, result in {**created, **updated}.items():
        if result.pending:
            ctx.pending_reason = result.pending
            failed.add(key)
        elif result.error is not None:
            failed.add(key)
            if result.error.code == "CANNOT_UPDATE_CONVERTED_LEAD":
                continue  # converted meanwhile: the next run follows the conversion
            plan.outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     sap_key=key, sf_id=plan.pairs.get(key),
                                     message=f"Salesforce rejected lead {key}: "
                                             f"{result.error.message}",
                                     code=result.error.code, fields=result.error.fields))
        else:
            done[key] = result.remote_id or plan.pairs[key]
            plan.outcomes.append(out(ctx, SAP_TO_SF, OutcomeAction.CREATE if key in created
                                     else OutcomeAction.UPDATE, OutcomeStatus.SUCCEEDED,
                                     sap_key=key, sf_id=done[key]))
    sap = writer.to_sap(ctx, "BusinessPartners", "update", plan.sap_updates)
    for key, result in sap.items():
        if result.pending:
            ctx.pending_reason = result.pending
            failed.add(key)
        elif result.error is not None:
            failed.add(key)
            plan.outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     sap_key=key, sf_id=plan.pairs.get(key),
                                     message=f"SAP rejected lead {key}: {result.error.message}",
                                     code=result.error.code, fields=result.error.fields))
        else:
            done.setdefault(key, plan.pairs[key])
            plan.outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.UPDATE,
                                     OutcomeStatus.SUCCEEDED, sap_key=key,
                                     sf_id=plan.pairs[key]))
    done.update(_create_in_sap(ctx, plan))
    ctx.count(plan.outcomes)
    states = [LinkState(key, sf_id, plan.bases[key], sap_hash=digest, sf_hash=digest)
              for key, sf_id in done.items() if key not in failed and key in plan.bases
              for digest in [record_hash(plan.bases[key])]]
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, plan.outcomes)
        saved = repos.links.save_many(spec.name, states, synced_at=dt.datetime.now(dt.UTC))
        if saved.conflicts:
            raise saved.conflicts[0]


def _create_in_sap(ctx: RunContext, plan: Plan) -> dict[str, str]:
    """New SAP leads: reserve a code on the Salesforce lead, then create the partner."""
    if not plan.sap_creates:
        return {}
    spec = ctx.spec
    settings = ctx.settings.model_copy(update={"bp_code_prefix": ctx.settings.lead_code_prefix,
                                               "bp_code_digits": ctx.settings.lead_code_digits})
    series: CodeSeries = ctx.cache.setdefault("lead_codes", CodeSeries(ctx.sap, settings))
    done: dict[str, str] = {}
    todo = list(plan.sap_creates)
    for _attempt in range(3):
        if not todo:
            break
        codes = dict(zip((sf_id for sf_id, _ in todo), series.take(len(todo)), strict=True))
        reserved = writer.to_salesforce(ctx, "Lead", "update", [
            WriteRecord(sf_id, {spec.salesforce_external_id: codes[sf_id]}, sf_id)
            for sf_id, _ in todo])
        bodies: dict[str, dict[str, Any]] = {}
        for sf_id, values in todo:
            if not reserved[sf_id].ok:
                if reserved[sf_id].pending:
                    ctx.pending_reason = reserved[sf_id].pending
                continue
            body = sap_body(ctx, values, {})
            body.update({"CardCode": codes[sf_id], "CardType": "cLid"})
            bodies[sf_id] = body
        results = writer.to_sap(ctx, "BusinessPartners", "create",
                                [WriteRecord(i, b) for i, b in bodies.items()])
        retry: list[tuple[str, dict[str, Any]]] = []
        for sf_id, values in todo:
            result = results.get(sf_id)
            if result is None:
                continue
            if result.ok:
                done[codes[sf_id]] = sf_id
                plan.bases[codes[sf_id]] = values
                plan.outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.CREATE,
                                         OutcomeStatus.SUCCEEDED, sap_key=codes[sf_id],
                                         sf_id=sf_id))
            elif result.pending:
                ctx.pending_reason = result.pending
            elif result.error is not None and result.error.code == DUPLICATE:
                retry.append((sf_id, values))
            elif result.error is not None:
                plan.outcomes.append(out(ctx, SF_TO_SAP, OutcomeAction.ERROR,
                                         OutcomeStatus.FAILED, sap_key=None, sf_id=sf_id,
                                         message=f"SAP rejected the new lead: "
                                                 f"{result.error.message}",
                                         code=result.error.code, fields=result.error.fields))
        if retry:
            series.refresh()
        todo = retry
    return done
