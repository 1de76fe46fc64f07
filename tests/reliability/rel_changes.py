"""The two-way phase's changes for the crash test, made alike in every world.

People's edits and new records on both sides: accounts, contacts (SAP contact persons and
Salesforce Contacts) and leads, new Salesforce opportunities, accepted quotes and activated
orders, and a stage change of opportunities SAP already has. Records are picked by natural
identity (CardCode, contact key, price key), never by the Salesforce Ids the hub made:
those differ between worlds.
"""

from __future__ import annotations

import random

from rel_world import ACCOUNT_TYPE, World

from b1hub.connectors.base import WriteOperation, WriteRecord
from b1hub.connectors.outcomes import Success


def _sf_write(world: World, sobject: str, op: WriteOperation,
              records: list[WriteRecord]) -> list[str]:
    """Write as a person (not the integration user); the Ids in input order."""
    with world.salesforce_user() as sf:
        outcomes = sf.write_batch(sobject, op, records, via="collections")
    assert all(isinstance(o, Success) for o in outcomes), (sobject, outcomes[:3])
    return [str(o.remote_id) for o in outcomes if isinstance(o, Success)]


def _sap_write(world: World, op: WriteOperation, records: list[WriteRecord]) -> None:
    with world.hub.service_layer() as sl:
        outcomes = sl.write_batch("BusinessPartners", op, records)
    assert all(isinstance(o, Success) for o in outcomes), outcomes[:3]


def _ids_by(world: World, sobject: str, field: str, values: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(values), 200):
        listed = ", ".join(f"'{v}'" for v in values[start:start + 200])
        found.update({r[field]: r["Id"] for r in world.soql(
            f"SELECT Id, {field} FROM {sobject} WHERE {field} IN ({listed})")})
    return found


def _first_members(world: World, codes: list[str]) -> dict[str, int]:
    """The first contact person's InternalCode of each partner (seeded: alike in every
    world)."""
    found: dict[str, int] = {}
    for start in range(0, len(codes), 30):
        where = " or ".join(f"CardCode eq '{c}'" for c in codes[start:start + 30])
        for row in world.sap_rows("BusinessPartners", where, ["CardCode", "ContactEmployees"]):
            members = row["ContactEmployees"]
            if members:
                found[row["CardCode"]] = min(int(m["InternalCode"]) for m in members)
    return found


def make_changes(world: World, rng: random.Random, edits: int, news: int) -> None:
    """``edits`` account edits per side (half as many of contacts and leads), ``news`` new
    records of each kind; the same in every world given the same ``rng`` seed."""
    codes = sorted(world.customers)
    picked = rng.sample(codes, 2 * edits)
    _accounts(world, sorted(picked[:edits]), sorted(picked[edits:]), news)
    rest = sorted(set(codes) - set(picked))
    seeded = [c for c in rest if c.startswith("C")]
    _contacts(world, rng.sample(seeded, edits + 2 * news), edits // 2, news)
    _leads(world, rng, edits // 2, news)
    extra = [c for c in rest if c.startswith("R")]
    assert len(extra) >= 3 * news, "documents need extra customers (EUR): raise the extra"
    _documents(world, sorted(rng.sample(extra, 3 * news)), news)


def _accounts(world: World, sf_side: list[str], sap_side: list[str], news: int) -> None:
    _sap_write(world, "update", [WriteRecord(c, {"Phone1": f"+1 555 {n:04d}"}, c)
                                 for n, c in enumerate(sap_side)])
    ids = _ids_by(world, "Account", "SAP_CardCode__c", sf_side)
    _sf_write(world, "Account", "update", [
        WriteRecord(c, {"Email__c": f"edited.{c.lower()}@example.org"}, ids[c])
        for c in sf_side])
    _sf_write(world, "Account", "create", [
        WriteRecord(f"n{n}", {"Name": f"Reliability New {n:04d} GmbH", "Type": ACCOUNT_TYPE,
                              "BillingCity": "Kiel"}) for n in range(news)])


def _contacts(world: World, partners: list[str], edits: int, news: int) -> None:
    """Contact persons edited in SAP, Contacts edited in Salesforce, new ones on both."""
    members = _first_members(world, partners)
    sap_edit, sf_edit = partners[:edits], partners[edits:2 * edits]
    sap_new, sf_new = partners[2 * edits:2 * edits + news], partners[2 * edits + news:]
    _sap_write(world, "update", [WriteRecord(c, {"ContactEmployees": [
        {"InternalCode": members[c], "Position": f"Crash Position {n}"}]}, c)
        for n, c in enumerate(sap_edit)])
    _sap_write(world, "update", [WriteRecord(c, {"ContactEmployees": [
        {"Name": f"Crash Person {n}", "FirstName": "Crash", "LastName": f"Person {n}",
         "E_Mail": f"crash.person{n}@example.org"}]}, c) for n, c in enumerate(sap_new)])
    keys = [f"{c}:{members[c]}" for c in sf_edit]
    contacts = _ids_by(world, "Contact", "SAP_ContactKey__c", keys)
    assert len(contacts) == len(keys), sorted(set(keys) - set(contacts))[:5]
    _sf_write(world, "Contact", "update", [
        WriteRecord(k, {"Title": f"Crash Title {n}", "Phone": f"+1 555 7{n:03d}"}, contacts[k])
        for n, k in enumerate(keys)])
    accounts = _ids_by(world, "Account", "SAP_CardCode__c", sf_new)
    _sf_write(world, "Contact", "create", [
        WriteRecord(c, {"AccountId": accounts[c], "FirstName": "Crash",
                        "LastName": f"Contact {n}", "Email": f"crash.contact{n}@example.org"})
        for n, c in enumerate(sf_new)])


def _leads(world: World, rng: random.Random, edits: int, news: int) -> None:
    """SAP leads and Salesforce leads edited, new leads on both sides."""
    codes = sorted(r["CardCode"] for r in world.sap_rows(
        "BusinessPartners", "CardType eq 'cLid'", ["CardCode"]))
    sf_leads = _ids_by(world, "Lead", "SAP_CardCode__c", codes)
    linked = [c for c in codes if c in sf_leads]
    picked = rng.sample(linked, 2 * edits)
    _sap_write(world, "update", [WriteRecord(c, {"Phone1": f"+1 555 8{n:03d}"}, c)
                                 for n, c in enumerate(sorted(picked[:edits]))])
    _sf_write(world, "Lead", "update", [
        WriteRecord(c, {"Email": f"edited.{c.lower()}@lead.example.org"}, sf_leads[c])
        for c in sorted(picked[edits:])])
    _sap_write(world, "create", [WriteRecord(f"CL{n:04d}", {
        "CardCode": f"CL{n:04d}", "CardName": f"Crash Lead {n} GmbH", "CardType": "cLid",
        "GroupCode": 100, "Phone1": f"+49 431 9{n:03d}",
        "EmailAddress": f"crash.lead{n}@example.org",
        "ContactEmployees": [{"Name": f"Lena Crash{n}", "FirstName": "Lena",
                              "LastName": f"Crash{n}"}]}) for n in range(news)])
    _sf_write(world, "Lead", "create", [
        WriteRecord(f"l{n}", {"Company": f"Crash Web Lead {n}", "FirstName": "Crash",
                              "LastName": f"Visitor {n}",
                              "Email": f"crash.visitor{n}@example.net"}) for n in range(news)])


def _documents(world: World, codes: list[str], news: int) -> None:
    """New opportunities, accepted quotes and activated orders on extra customers (EUR),
    and a stage change of seeded opportunities SAP already has."""
    accounts = _ids_by(world, "Account", "SAP_CardCode__c", codes)
    [row] = world.soql("SELECT Id FROM Pricebook2 WHERE Name = 'EUR Price Book'")
    book = row["Id"]
    eur = [r["Id"] for r in world.soql(
        f"SELECT Id FROM PricebookEntry WHERE Pricebook2Id = '{book}' "
        "AND SAP_PriceKey__c != null ORDER BY SAP_PriceKey__c")]

    def entry(n: int) -> str:
        return str(eur[n % len(eur)])

    deal = {"CloseDate": "2026-10-01", "CurrencyIsoCode": "EUR", "Pricebook2Id": book}
    opportunities = _sf_write(world, "Opportunity", "create", [
        WriteRecord(f"o{n}", {**deal, "Name": f"Crash Deal {n}", "AccountId": accounts[c],
                              "StageName": "Qualification", "Amount": 1000 + n})
        for n, c in enumerate(codes[:news])] + [
        WriteRecord(f"q{n}", {**deal, "Name": f"Crash Quote Deal {n}", "AccountId": accounts[c],
                              "StageName": "Proposal/Price Quote"})
        for n, c in enumerate(codes[news:2 * news])])
    quotes = _sf_write(world, "Quote", "create", [
        WriteRecord(f"q{n}", {"Name": f"Crash Quote {n}", "OpportunityId": opportunity,
                              "Pricebook2Id": book, "CurrencyIsoCode": "EUR",
                              "Status": "Draft"})
        for n, opportunity in enumerate(opportunities[news:])])
    _sf_write(world, "QuoteLineItem", "create", [
        WriteRecord(f"q{n}:{k}", {"QuoteId": quote, "PricebookEntryId": entry(n + k),
                                  "Quantity": 1 + k, "UnitPrice": 10.0 + n, "Discount": 5.0 * k})
        for n, quote in enumerate(quotes) for k in range(2)])
    _sf_write(world, "Quote", "update", [WriteRecord(q, {"Status": "Accepted"}, q)
                                         for q in quotes])
    orders = _sf_write(world, "Order", "create", [
        WriteRecord(f"r{n}", {"AccountId": accounts[c], "EffectiveDate": "2026-03-02",
                              "Status": "Draft", "Pricebook2Id": book,
                              "CurrencyIsoCode": "EUR"})
        for n, c in enumerate(codes[2 * news:])])
    _sf_write(world, "OrderItem", "create", [
        WriteRecord(f"r{n}:{k}", {"OrderId": order, "PricebookEntryId": entry(n + k),
                                  "Quantity": 2 + k, "UnitPrice": 20.0 + n})
        for n, order in enumerate(orders) for k in range(2)])
    _sf_write(world, "Order", "update", [WriteRecord(o, {"Status": "Activated"}, o)
                                         for o in orders])
    seeded = [r["Id"] for r in world.soql(
        "SELECT Id FROM Opportunity WHERE SAP_SequentialNo__c != null AND StageName = "
        f"'Qualification' ORDER BY Id LIMIT {news}")]
    _sf_write(world, "Opportunity", "update", [
        WriteRecord(o, {"StageName": "Negotiation/Review"}, o) for o in seeded])
