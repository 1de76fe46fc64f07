"""Lead conversion, whichever side it happens on.

Salesforce converted the lead: its SAP lead becomes a customer (``CardType``), the
converted Account links to that partner and the converted Contact to its contact
person, so the account and contact passes update them instead of creating new ones.
SAP turned the lead into a customer: the Salesforce lead is converted through the org's
conversion route (onto the partner's Account when it is linked already), then linked
the same way. Either way the lead link is marked converted and the lead is never
written again (Salesforce refuses it: CANNOT_UPDATE_CONVERTED_LEAD).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.retry import TransientError
from b1hub.connectors.salesforce.errors import parse_errors
from b1hub.connectors.salesforce.transport import BudgetStop
from b1hub.objects.account import ACCOUNT
from b1hub.store.models import Link
from b1hub.store.repositories import LinkConflictError
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import writer
from b1hub.sync.context import RunContext
from b1hub.sync.pairs import CONVERTED, first_base, out, sap_records, sf_rows_in
from b1hub.sync.records import sync_stamp

ROUTE = "/services/apexrest/b1hub/leadconvert"
CONVERTED_STATUS = "Closed - Converted"


def from_salesforce(
    ctx: RunContext, link: Link, partner: dict[str, Any], lead: dict[str, Any],
    outcomes: list[OutcomeIn],
) -> None:
    code = link.sap_key
    account_id = str(lead.get("ConvertedAccountId") or "")
    with ctx.hub.repos() as repos:
        owner = repos.links.by_sf_id("account", account_id) if account_id else None
    if owner is not None and owner.sap_key != code:
        _mark(ctx, link, outcomes, f"lead {code} was converted into the account of "
                                   f"{owner.sap_key}; {code} stays a lead in SAP")
        return
    if partner.get("CardType") == "cLid":
        body: dict[str, Any] = {"CardType": "cCustomer", **sync_stamp(account_id)}
        if ctx.settings.default_customer_group is not None:
            body["GroupCode"] = ctx.settings.default_customer_group
        result = writer.to_sap(ctx, "BusinessPartners", "update",
                               [WriteRecord(code, body, code)])[code]
        if result.pending:
            ctx.pending_reason = result.pending
            return
        if result.error is not None:
            outcomes.append(out(ctx, Direction.SALESFORCE_TO_SAP, OutcomeAction.ERROR,
                                OutcomeStatus.FAILED, sap_key=code, sf_id=link.sf_id,
                                message=f"SAP refused to turn lead {code} into a customer: "
                                        f"{result.error.message}", code=result.error.code))
            return
    _link_converted(ctx, link, account_id, str(lead.get("ConvertedContactId") or ""))
    _mark(ctx, link, outcomes, f"lead converted in Salesforce: {code} is a customer now")


def from_sap(
    ctx: RunContext, link: Link, partner: dict[str, Any], lead: dict[str, Any],
    outcomes: list[OutcomeIn],
) -> None:
    code = link.sap_key
    with ctx.hub.repos() as repos:
        account = repos.links.by_sap_key("account", code)
    body: dict[str, Any] = {"leadId": link.sf_id, "convertedStatus": CONVERTED_STATUS,
                            "doNotCreateOpportunity": True}
    if account is not None:
        body["accountId"] = account.sf_id
    try:
        response = ctx.sf.transport.send("POST", ROUTE, kind="create", idempotent=False,
                                         json=body)
    except TransientError as exc:
        ctx.pending_reason = f"remote unavailable: {exc}"
        return
    except BudgetStop as stop:
        ctx.pending_reason = f"API limit reached: {stop.outcome.reason}"
        return
    if response.status_code != 200:
        error = parse_errors(response.content)[0]
        if error.code != "CANNOT_UPDATE_CONVERTED_LEAD":
            outcomes.append(out(ctx, Direction.SAP_TO_SALESFORCE, OutcomeAction.ERROR,
                                OutcomeStatus.FAILED, sap_key=code, sf_id=link.sf_id,
                                message=f"Salesforce could not convert lead {link.sf_id}: "
                                        f"{error.message}", code=error.code))
            return
        # converted already (by a person, or by us before a crash): follow it
        [current] = sf_rows_in(ctx, ["ConvertedAccountId", "ConvertedContactId"], "Lead", "Id",
                               [link.sf_id])
        account_id, contact_id = current.get("ConvertedAccountId"), current.get(
            "ConvertedContactId")
    else:
        result = response.json()
        account_id, contact_id = result.get("accountId"), result.get("contactId")
    _link_converted(ctx, link, str(account_id or ""), str(contact_id or ""))
    _mark(ctx, link, outcomes, f"SAP lead {code} became a customer: Salesforce lead converted")


def _link_converted(ctx: RunContext, link: Link, account_id: str, contact_id: str) -> None:
    """Link the converted Account and Contact to the partner and its contact person."""
    from b1hub.mapping.store import effective_map
    from b1hub.objects.contact import CONTACT
    from b1hub.sync.contacts import contact_key, match_people, member_view

    code = link.sap_key
    account_map = effective_map(ctx.hub, ACCOUNT)
    contact_map = effective_map(ctx.hub, CONTACT)
    partner = sap_records(ctx, [code], list(dict.fromkeys(
        ["CardCode", "ContactEmployees", *account_map.sap_select()]))).get(code, {})
    now = dt.datetime.now(dt.UTC)
    fixes: list[WriteRecord] = []
    if account_id:
        [account] = sf_rows_in(ctx, [*account_map.salesforce_select(), "SAP_CardCode__c"],
                               "Account", "Id", [account_id]) or [{}]
        with ctx.hub.repos() as repos:
            try:
                new = repos.links.insert_or_get("account", code, account_id, synced_at=now)
                if new.created:
                    new.link.base_values = first_base(
                        account_map.from_sap(partner).values,
                        account_map.from_salesforce(account).values)
            except LinkConflictError:
                pass
        if account.get("SAP_CardCode__c") != code:
            fixes.append(WriteRecord(account_id, {"SAP_CardCode__c": code,
                                                  "AccountNumber": code}, account_id))
        writer.to_salesforce(ctx, "Account", "update", fixes)
    if not contact_id:
        return
    [contact] = sf_rows_in(ctx, [*contact_map.salesforce_select(), "SAP_ContactKey__c"],
                           "Contact", "Id", [contact_id]) or [{}]
    members = {contact_key(code, m["InternalCode"]): contact_map.from_sap(member_view(m)).values
               for m in partner.get("ContactEmployees") or []}
    sf_values = contact_map.from_salesforce(contact).values
    with ctx.hub.repos() as repos:
        free = {k: v for k, v in members.items()
                if k not in repos.links.by_sap_keys("contact", members)}
    pairs = match_people(free, {contact_id: sf_values}, {contact_id: contact})
    key = next(iter(pairs), None) or next(iter(sorted(free)), None)
    if key is None:
        return  # no contact person: the contact pass creates one for this Contact
    with ctx.hub.repos() as repos:
        try:
            new = repos.links.insert_or_get("contact", key, contact_id, synced_at=now)
            if new.created:
                new.link.base_values = first_base(members[key], sf_values)
        except LinkConflictError:
            return
    writer.to_salesforce(ctx, "Contact", "update",
                         [WriteRecord(key, {"SAP_ContactKey__c": key}, contact_id)])


def _mark(ctx: RunContext, link: Link, outcomes: list[OutcomeIn], message: str) -> None:
    with ctx.hub.repos() as repos:
        stored = repos.links.by_sap_key(ctx.spec.name, link.sap_key)
        if stored is not None:
            stored.base_values = {**(stored.base_values or {}), CONVERTED: True}
    outcomes.append(out(ctx, Direction.SALESFORCE_TO_SAP, OutcomeAction.UPDATE,
                        OutcomeStatus.SUCCEEDED, sap_key=link.sap_key, sf_id=link.sf_id,
                        message=message))
