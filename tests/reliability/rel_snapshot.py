"""Snapshots of both systems and the link store by natural identity, and their comparison.

Two worlds (two sandbox pairs with the same seed) never share Salesforce Ids, SAP
``InternalCode``s, ``DocEntry``s or ``SequentialNo``s of the records the hub made, so every
record is named by what a person would recognise it by: the CardCode or ItemCode carried
on both sides, else the account and the person's name, the Salesforce document's name or
number. Cross-references (a contact's ``SAP_ContactKey__c``, a quote's ``SAP_DocEntry__c``,
a link's keys) are translated to those names too, so a reference that points at the wrong
record shows as a difference instead of passing unnoticed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b1hub.objects.registry import REGISTRY
from b1hub.sync.sap_pass import ECHO

if TYPE_CHECKING:
    from e2e_world import World

ACCOUNT_FIELDS = ["Name", "SAP_CardCode__c", "AccountNumber", "Phone", "Email__c",
                  "BillingCity", "BillingCountry", "Type"]
CONTACT_FIELDS = ["AccountId", "FirstName", "LastName", "Email", "Phone", "MobilePhone",
                  "Title", "Active__c", "SAP_ContactKey__c"]
LEAD_FIELDS = ["Company", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "City",
               "Country", "Status", "IsConverted", "SAP_CardCode__c"]
OPPORTUNITY_FIELDS = ["Name", "AccountId", "StageName", "Amount", "CloseDate",
                      "SAP_SequentialNo__c"]
DOCUMENT_FIELDS = ["AccountId", "Status", "CurrencyIsoCode", "SAP_DocEntry__c",
                   "SAP_DocNum__c", "SAP_Status__c", "SAP_DocTotal__c", "SAP_SyncStatus__c"]
SAP_DOCUMENT_FIELDS = ["DocEntry", "DocNum", "NumAtCard", "CardCode", "DocCurrency",
                       "DocTotal", "DocumentStatus", "Cancelled", "DocumentLines",
                       "DocumentAdditionalExpenses"]
MEMBER_FIELDS = ["FirstName", "LastName", "Position", "Phone1", "MobilePhone", "E_Mail",
                 "Active"]


def _soql(world: World, query: str) -> list[dict[str, Any]]:
    with world.hub.salesforce() as sf:
        rows: list[dict[str, Any]] = []
        for page in sf.query(query, page_size=2000):
            assert isinstance(page, list), page
            rows.extend({k: v for k, v in r.items() if k != "attributes"} for r in page)
        return rows


def _sap(world: World, entity: str, select: list[str], where: str | None) -> list[dict[str, Any]]:
    with world.hub.service_layer() as sl:
        rows: list[dict[str, Any]] = []
        for page in sl.iter_pages(entity, select=select, filter=where, page_size=1000):
            assert isinstance(page, list), page
            rows.extend(page)
        return rows


def _sf(world: World, sobject: str, fields: list[str]) -> list[dict[str, Any]]:
    return _soql(world, f"SELECT Id, {', '.join(fields)} FROM {sobject}")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float:
    return round(float(value or 0), 2)


@dataclass(frozen=True)
class Snapshot:
    """Both systems and the links by natural identity; ``duplicates`` keyed by kind."""

    parts: dict[str, list[tuple[Any, ...]]]
    duplicates: dict[str, int]

    def records(self) -> dict[str, int]:
        """Rows per part of the two systems (links and open errors left out)."""
        return {part: len(rows) for part, rows in self.parts.items()
                if not part.startswith(("links", "link bases", "open"))}


class _Names:
    """Natural identities by Salesforce Id and by SAP key, filled while reading."""

    def __init__(self) -> None:
        self.sf: dict[str, str] = {}
        self.sap: dict[str, dict[str, str]] = {name: {} for name in REGISTRY}

    def of_sf(self, sf_id: Any) -> str:
        return self.sf.get(_text(sf_id), "?" if sf_id else "")

    def of_sap(self, object_name: str, key: Any) -> str:
        """What the link store's SAP key of ``object_name`` names (itself when natural)."""
        return self.sap[object_name].get(_text(key), _text(key))


def _salesforce(world: World, names: _Names, parts: dict[str, list[tuple[Any, ...]]],
                dupes: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Read every synced sObject; fill ``names.sf``; return the rows the SAP side needs."""
    accounts = _sf(world, "Account", ACCOUNT_FIELDS)
    names.sf.update({a["Id"]: a["SAP_CardCode__c"] or a["Name"] for a in accounts})
    products = _sf(world, "Product2", ["Name", "ProductCode", "IsActive", "SAP_ItemCode__c"])
    names.sf.update({p["Id"]: p["SAP_ItemCode__c"] or p["Name"] for p in products})
    entries = _sf(world, "PricebookEntry", ["Product2Id", "Pricebook2Id", "UnitPrice",
                                            "CurrencyIsoCode", "SAP_PriceKey__c"])
    contacts = _sf(world, "Contact", CONTACT_FIELDS)
    names.sf.update({c["Id"]: f"{names.of_sf(c['AccountId'])}/{c['FirstName'] or ''} "
                              f"{c['LastName']}" for c in contacts})
    leads = _sf(world, "Lead", LEAD_FIELDS)
    names.sf.update({r["Id"]: r["SAP_CardCode__c"] or f"{r['Company']}/{r['LastName']}"
                     for r in leads})
    opportunities = _sf(world, "Opportunity", OPPORTUNITY_FIELDS)
    names.sf.update({o["Id"]: f"{names.of_sf(o['AccountId'])}/{o['Name']}"
                     for o in opportunities})
    quotes = _sf(world, "Quote", ["Name", "OpportunityId", *DOCUMENT_FIELDS])
    names.sf.update({q["Id"]: f"Quote {q['Name']}" for q in quotes})
    orders = _sf(world, "Order", ["OrderNumber", *DOCUMENT_FIELDS])
    names.sf.update({o["Id"]: f"Order {o['OrderNumber']}" for o in orders})
    quote_lines = _sf(world, "QuoteLineItem", ["QuoteId", "Product2Id", "Quantity",
                                               "UnitPrice", "Discount"])
    order_lines = _sf(world, "OrderItem", ["OrderId", "Product2Id", "Quantity", "UnitPrice"])

    parts["accounts"] = sorted(tuple(_text(a[f]) for f in ACCOUNT_FIELDS) for a in accounts)
    parts["products"] = sorted((p["Name"], p["ProductCode"] or "", bool(p["IsActive"]),
                                p["SAP_ItemCode__c"] or "") for p in products)
    parts["price entries"] = sorted(
        (names.of_sf(e["Product2Id"]), e["CurrencyIsoCode"], float(e["UnitPrice"] or 0),
         e["SAP_PriceKey__c"] or "") for e in entries)
    parts["leads"] = sorted((names.sf[r["Id"]], *(_text(r[f]) for f in LEAD_FIELDS))
                            for r in leads)
    parts["quote lines"] = sorted(
        (names.of_sf(li["QuoteId"]), names.of_sf(li["Product2Id"]), _number(li["Quantity"]),
         _number(li["UnitPrice"]), _number(li["Discount"])) for li in quote_lines)
    parts["order lines"] = sorted(
        (names.of_sf(li["OrderId"]), names.of_sf(li["Product2Id"]), _number(li["Quantity"]),
         _number(li["UnitPrice"])) for li in order_lines)
    dupes.update({
        "accounts per CardCode": _extra(a["SAP_CardCode__c"] for a in accounts),
        "products per ItemCode": _extra(p["SAP_ItemCode__c"] for p in products),
        "price entries per key": _extra(e["SAP_PriceKey__c"] for e in entries),
        "accounts per name": _extra(a["Name"] for a in accounts),
        "contacts per SAP key": _extra(c["SAP_ContactKey__c"] for c in contacts),
        "contacts per account and name": _extra(names.sf[c["Id"]] for c in contacts),
        "leads per CardCode": _extra(r["SAP_CardCode__c"] for r in leads
                                     if not r["IsConverted"]),
        "leads per company and name": _extra(f"{r['Company']}/{r['LastName']}" for r in leads),
        "opportunities per account and name": _extra(names.sf[o["Id"]]
                                                     for o in opportunities),
    })
    return {"contacts": contacts, "opportunities": opportunities, "quotes": quotes,
            "orders": orders}


def _sap_side(world: World, names: _Names, parts: dict[str, list[tuple[Any, ...]]],
              dupes: dict[str, int]) -> None:
    """Read SAP; fill ``names.sap`` (contact persons, opportunities, documents)."""
    partners = _sap(world, "BusinessPartners", ["CardCode", "CardName", "CardType", "Phone1",
                                                "EmailAddress", "U_B1H_SFID",
                                                "ContactEmployees"], "CardType ne 'cSupplier'")
    members = [(p["CardCode"], m) for p in partners for m in p.get("ContactEmployees") or []]
    names.sap["contact"] = {f"{code}:{m['InternalCode']}": f"{code}/{m['Name']}"
                            for code, m in members}
    items = _sap(world, "Items", ["ItemCode", "ItemName", "Valid", "U_B1H_SFID", "ItemPrices"],
                 None)
    opportunities = _sap(world, "SalesOpportunities", [
        "SequentialNo", "CardCode", "OpportunityName", "Status", "MaxLocalTotal",
        "U_B1H_SFID", "SalesOpportunitiesLines"], None)
    names.sap["opportunity"] = {_text(o["SequentialNo"]): f"SAP {names.of_sf(o['U_B1H_SFID'])}"
                                for o in opportunities}
    documents = {entity: _sap(world, entity, SAP_DOCUMENT_FIELDS, None)
                 for entity in ("Quotations", "Orders")}
    for name, entity in (("quotation", "Quotations"), ("order", "Orders")):
        names.sap[name] = {_text(d["DocEntry"]): f"SAP {names.of_sf(d['NumAtCard'])}"
                           for d in documents[entity]}

    customers = [p for p in partners if p["CardType"] == "cCustomer"]
    parts["partners"] = sorted((p["CardCode"], p["CardName"], p["Phone1"] or "",
                                p["EmailAddress"] or "", names.sf.get(p["U_B1H_SFID"], ""))
                               for p in customers)
    parts["SAP leads"] = sorted((p["CardCode"], p["CardName"], _text(p["Phone1"]),
                                 _text(p["EmailAddress"]), names.of_sf(p["U_B1H_SFID"]))
                                for p in partners if p["CardType"] == "cLid")
    parts["contact persons"] = sorted((code, m["Name"], *(_text(m.get(f)) for f in MEMBER_FIELDS))
                                      for code, m in members)
    parts["items"] = sorted((i["ItemCode"], i["ItemName"], i["Valid"],
                             names.of_sf(i.get("U_B1H_SFID"))) for i in items)
    parts["item prices"] = sorted((i["ItemCode"], p["PriceList"], _number(p["Price"]),
                                   _text(p.get("Currency"))) for i in items
                                  for p in i.get("ItemPrices") or [])
    parts["SAP opportunities"] = sorted(
        (names.sap["opportunity"][_text(o["SequentialNo"])], o["CardCode"],
         o["OpportunityName"], o["Status"], _number(o["MaxLocalTotal"]),
         tuple(line.get("StageKey") for line in o.get("SalesOpportunitiesLines") or []))
        for o in opportunities)
    for name, entity in (("quotation", "Quotations"), ("order", "Orders")):
        rows = documents[entity]
        parts[f"SAP {entity.lower()}"] = sorted(
            (names.sap[name][_text(d["DocEntry"])], d["CardCode"], d["DocCurrency"],
             _number(d["DocTotal"]), d["DocumentStatus"], d["Cancelled"],
             tuple(sorted((_text(x.get("ExpenseCode")), _number(x.get("LineTotal")))
                          for x in d.get("DocumentAdditionalExpenses") or [])))
            for d in rows)
        parts[f"SAP {entity.lower()} lines"] = sorted(
            (names.sap[name][_text(d["DocEntry"])], line.get("LineNum"), line["ItemCode"],
             _number(line.get("Quantity")), _number(line.get("UnitPrice")),
             _number(line.get("DiscountPercent")))
            for d in rows for line in d.get("DocumentLines") or [])
        dupes[f"{entity} per Salesforce Id"] = _extra(d["NumAtCard"] for d in rows)
    dupes.update({
        "partners per Salesforce Id": _extra(p["U_B1H_SFID"] for p in customers),
        "SAP leads per Salesforce Id": _extra(p["U_B1H_SFID"] for p in partners
                                              if p["CardType"] == "cLid"),
        "contact persons per partner and name": _extra(names.sap["contact"].values()),
        "SAP opportunities per Salesforce Id": _extra(o["U_B1H_SFID"] for o in opportunities),
    })


def _cross_references(names: _Names, rows: dict[str, list[dict[str, Any]]],
                      parts: dict[str, list[tuple[Any, ...]]]) -> None:
    """The Salesforce records that point into SAP, by what they point at."""
    parts["contacts"] = sorted(
        (names.sf[c["Id"]], *(_text(c[f]) for f in CONTACT_FIELDS[1:-1]),
         names.of_sap("contact", c["SAP_ContactKey__c"]) if c["SAP_ContactKey__c"] else "")
        for c in rows["contacts"])
    parts["opportunities"] = sorted(
        (names.sf[o["Id"]], o["StageName"], _number(o["Amount"]), _text(o["CloseDate"]),
         names.of_sap("opportunity", o["SAP_SequentialNo__c"])
         if o["SAP_SequentialNo__c"] else "")
        for o in rows["opportunities"])
    for part, name in (("quotes", "quotation"), ("orders", "order")):
        parts[part] = sorted(
            (names.sf[d["Id"]], names.of_sf(d["AccountId"]), names.of_sf(d.get("OpportunityId")),
             d["Status"], d["CurrencyIsoCode"],
             names.of_sap(name, d["SAP_DocEntry__c"]) if d["SAP_DocEntry__c"] else "",
             bool(d["SAP_DocNum__c"]), _text(d["SAP_Status__c"]), _number(d["SAP_DocTotal__c"]),
             _text(d["SAP_SyncStatus__c"]))
            for d in rows[part])


def _hub(world: World, names: _Names, parts: dict[str, list[tuple[Any, ...]]]) -> None:
    """Links (with the merge base each keeps) and open errors of every object."""
    with world.hub.repos() as repos:
        for name in REGISTRY:
            parts[f"open errors {name}"] = sorted(
                (o.direction.value, names.of_sap(name, o.sap_key or ""), names.of_sf(o.sf_id),
                 o.status.value, o.error_message or "")
                for o in repos.outcomes.open_errors(name, limit=1_000_000))
            links = repos.links.page(name, limit=1_000_000)
            parts[f"links {name}"] = sorted(
                (names.of_sap(name, lk.sap_key), names.of_sf(lk.sf_id)) for lk in links)
            parts[f"link bases {name}"] = sorted(
                (names.of_sap(name, lk.sap_key),
                 json.dumps(_comparable(lk.base_values), sort_keys=True, default=str))
                for lk in links)


def _comparable(base: dict[str, Any] | None) -> dict[str, Any] | None:
    """A base without its echo fingerprint: that hashes the record with its Salesforce
    Id, which differs between two worlds holding the same data."""
    return None if base is None else {k: v for k, v in base.items() if k != ECHO}


def snapshot(world: World) -> Snapshot:
    """Every synced object of both systems and the hub's links and open errors.

    SAP: business partners (customers and leads) with their contact persons, items and
    their prices, sales opportunities, quotations and orders with their lines.
    Salesforce: Account, Contact, Lead, Product2, PricebookEntry, Opportunity, Quote,
    Order and their line items.
    """
    names = _Names()
    parts: dict[str, list[tuple[Any, ...]]] = {}
    duplicates: dict[str, int] = {}
    rows = _salesforce(world, names, parts, duplicates)
    _sap_side(world, names, parts, duplicates)
    _cross_references(names, rows, parts)
    _hub(world, names, parts)
    return Snapshot(parts, duplicates)


def _extra(keys: Iterable[Any]) -> int:
    """Records beyond the first per key (None keys: unlinked records, not duplicates)."""
    return sum(n - 1 for key, n in Counter(keys).items() if key)


@dataclass(frozen=True)
class Comparison:
    lost: int
    duplicated: int
    differences: dict[str, tuple[list[Any], list[Any]]]

    @property
    def identical(self) -> bool:
        return not self.differences and self.lost == 0 and self.duplicated == 0

    def explain(self) -> str:
        """Each differing part with its first rows in the reference only and in the
        compared world only, whole (a failure message to read, not a truncated repr)."""
        lines = [f"lost {self.lost}, duplicated {self.duplicated}"]
        for part, (missing, extra) in self.differences.items():
            lines.append(f"{part}:")
            lines += [f"  reference only: {row!r}" for row in missing]
            lines += [f"  compared only:  {row!r}" for row in extra]
        return "\n".join(lines)


def compare(expected: Snapshot, actual: Snapshot) -> Comparison:
    """Records of ``expected`` missing from ``actual`` (lost), extra records and duplicates
    of ``actual`` beyond the reference's own (duplicated), and per-part differences."""
    lost = duplicated = 0
    differences: dict[str, tuple[list[Any], list[Any]]] = {}
    for part, rows in expected.parts.items():
        want, got = Counter(rows), Counter(actual.parts.get(part, []))
        missing, extra = list((want - got).elements()), list((got - want).elements())
        if missing or extra:
            differences[part] = (missing[:5], extra[:5])
        lost += len(missing)
        duplicated += max(0, sum(got.values()) - sum(want.values()))
    for kind, count in actual.duplicates.items():
        duplicated += max(0, count - expected.duplicates.get(kind, 0))
    return Comparison(lost, duplicated, differences)
