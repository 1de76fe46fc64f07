"""Bad quotes, orders, opportunities and contacts, synced in the same batches as good ones.

The account and product half of the catalogue is test_bad_input.py; this half drives the
objects that hang off an account. Each case makes one bad record; one sync of every
object runs over all of them; each must leave an open per-record error (or a waiting
record, for a parent that is not synced) naming the record, the field and the reason,
while the good records of the same runs sync. Then each case fixes its data, the open
errors are retried, and every record syncs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rel_world import ACCOUNT_TYPE, World, open_world
from report import Figures

from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.store.models import RecordOutcome
from b1hub.store.types import InitStatus, OutcomeStatus, RunStatus
from b1hub.sync import api

OBJECTS = ("account", "contact", "opportunity", "quotation", "order")
ENTITY = {"order": "Orders", "quotation": "Quotations"}
LINES = {"Order": ("OrderItem", "OrderId"), "Quote": ("QuoteLineItem", "QuoteId"),
         "Opportunity": ("OpportunityLineItem", "OpportunityId")}


@dataclass(frozen=True)
class Account:
    sf_id: str
    code: str
    currency: str


class Lab:
    """The world plus one Salesforce session of a person (not the hub's user)."""

    def __init__(self, world: World, sf: SalesforceClient) -> None:
        self.world, self.sf = world, sf
        rows = world.soql("SELECT Id, SAP_CardCode__c, CurrencyIsoCode FROM Account WHERE "
                          "SAP_CardCode__c != null ORDER BY SAP_CardCode__c")
        self._free = iter([Account(r["Id"], r["SAP_CardCode__c"], r["CurrencyIsoCode"])
                           for r in rows])
        self._entries: dict[str, list[dict[str, Any]]] = {}
        self.good: list[tuple[str, str]] = []
        """Good records (object, key) made beside the bad ones."""

    def account(self) -> Account:
        """A linked account no other case uses (a partner billed in its own currency)."""
        for account in self._free:
            [bp] = self.world.sap_rows("BusinessPartners", f"CardCode eq '{account.code}'",
                                       ["CardCode", "Currency"])
            if bp["Currency"] == account.currency:
                return account
        raise AssertionError("ran out of linked accounts")

    def create(self, sobject: str, values: dict[str, Any]) -> str:
        outcome = self.sf.create(sobject, values, sobject)
        assert isinstance(outcome, Success) and outcome.remote_id, (sobject, outcome)
        return outcome.remote_id

    def update(self, sobject: str, sf_id: str, values: dict[str, Any]) -> None:
        outcome = self.sf.update(sobject, sf_id, values, sf_id)
        assert isinstance(outcome, Success), (sobject, outcome)

    def entries(self, currency: str) -> list[dict[str, Any]]:
        if currency not in self._entries:
            [book] = self.world.soql(f"SELECT Id FROM Pricebook2 WHERE Name = '{currency} "
                                     "Price Book'")
            rows = self.world.soql(
                "SELECT Id, SAP_PriceKey__c FROM PricebookEntry WHERE Pricebook2Id = "
                f"'{book['Id']}' AND SAP_PriceKey__c != null ORDER BY SAP_PriceKey__c")
            self._entries[currency] = [{"Id": r["Id"], "Pricebook2Id": book["Id"],
                                        "ItemCode": r["SAP_PriceKey__c"].split(":")[0]}
                                       for r in rows]
        return self._entries[currency]

    def unknown_product(self, code: str, currency: str) -> dict[str, Any]:
        """A price book entry of a product made in Salesforce that SAP has no item for."""
        product = self.create("Product2", {"Name": f"Mystery {code}", "ProductCode": code,
                                           "IsActive": True})
        [standard] = self.world.soql("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
        book = self.entries(currency)[0]["Pricebook2Id"]
        for pricebook in (standard["Id"], book):
            entry = self.create("PricebookEntry", {
                "Pricebook2Id": pricebook, "Product2Id": product, "UnitPrice": 7.0,
                "IsActive": True, "CurrencyIsoCode": currency})
        return {"Id": entry, "Pricebook2Id": book, "ItemCode": code}

    def document(self, sobject: str, account: Account, lines: list[dict[str, Any]],
                 header: dict[str, Any] | None = None, entry: int = 0) -> str:
        """An activated order or approved quote; each line is its values plus ``entry``
        (a price book entry) when not the ``entry``-th of the account's currency."""
        book = self.entries(account.currency)
        first = lines[0].get("entry") or book[entry]
        common = {"Pricebook2Id": first["Pricebook2Id"], "CurrencyIsoCode": account.currency}
        if sobject == "Order":
            doc = self.create("Order", {"AccountId": account.sf_id, "Status": "Draft",
                                        "EffectiveDate": "2026-03-02", **common})
        else:
            deal = self.create("Opportunity", {"Name": "Quote deal", "AccountId": account.sf_id,
                                               "StageName": "Proposal/Price Quote",
                                               "CloseDate": "2026-06-30", **common})
            doc = self.create("Quote", {"Name": "Quote of the catalogue", "Status": "Draft",
                                        "OpportunityId": deal, **common})
        child, parent = LINES[sobject]
        for n, line in enumerate(lines):
            values = {k: v for k, v in line.items() if k != "entry"}
            chosen = line.get("entry") or book[entry + n]
            self.create(child, {parent: doc, "PricebookEntryId": chosen["Id"], "Quantity": 2,
                                "UnitPrice": 10.0, **values})
        self.update(sobject, doc, {"Status": "Activated" if sobject == "Order" else "Approved",
                                   **(header or {})})
        return doc

    def first_line(self, sobject: str, sf_id: str) -> str:
        child, parent = LINES[sobject]
        return str(self.world.soql(f"SELECT Id FROM {child} WHERE {parent} = '{sf_id}' "
                                   "ORDER BY Id LIMIT 1")[0]["Id"])

    def failing_account(self) -> str:
        """An account of a synced type that SAP refuses (its name is too long)."""
        return self.create("Account", {"Name": "W" * 150, "Type": ACCOUNT_TYPE})

    def fix_account(self, sf_id: str) -> None:
        self.update("Account", sf_id, {"Name": f"Fixed Account {sf_id[-6:]}"})

    def sap_docs(self, entity: str, sf_id: str) -> list[dict[str, Any]]:
        return self.world.sap_rows(entity, f"NumAtCard eq '{sf_id}'",
                                   ["DocEntry", "DocNum", "DocCurrency", "DocumentStatus",
                                    "Comments", "DocumentLines"])

    def new_member(self, code: str, member: dict[str, Any]) -> str:
        """A contact person added in SAP; its contact key."""
        self.world.edit_partner(code, {"ContactEmployees": [member]})
        [bp] = self.world.sap_rows("BusinessPartners", f"CardCode eq '{code}'",
                                   ["CardCode", "ContactEmployees"])
        [found] = [m for m in bp["ContactEmployees"] if m["Name"] == member["Name"]]
        return f"{code}:{found['InternalCode']}"

    def edit_member(self, key: str, values: dict[str, Any]) -> None:
        code, internal = key.split(":")
        self.world.edit_partner(code, {"ContactEmployees": [{"InternalCode": int(internal),
                                                             **values}]})


Make = Callable[[Lab], str]
Fix = Callable[[Lab, str], None]
Check = Callable[[Lab, str], bool]


@dataclass(frozen=True)
class Case:
    id: str
    object: str
    side: str  # where the bad data is: "salesforce" or "sap"
    field: str
    reason: str
    make: Make
    fix: Fix
    synced: Check
    status: OutcomeStatus = OutcomeStatus.FAILED


def in_sap(entity: str) -> Check:
    return lambda lab, sf_id: bool(lab.sap_docs(entity, sf_id))


def line_fixed(sobject: str, values: dict[str, Any]) -> Fix:
    return lambda lab, sf_id: lab.update(LINES[sobject][0], lab.first_line(sobject, sf_id),
                                         values)


def header_fixed(sobject: str, values: dict[str, Any]) -> Fix:
    return lambda lab, sf_id: lab.update(sobject, sf_id, values)


def bad_line(sobject: str, **values: Any) -> Make:
    return lambda lab: lab.document(sobject, lab.account(), [values])


def unknown_item(sobject: str, code: str) -> Make:
    def make(lab: Lab) -> str:
        account = lab.account()
        return lab.document(sobject, account, [{}, {"entry": lab.unknown_product(
            code, account.currency)}])
    return make


def item_created(code: str) -> Fix:
    def fix(lab: Lab, sf_id: str) -> None:
        with lab.world.hub.service_layer() as sl:
            made = sl.create("Items", {"ItemCode": code, "ItemName": f"Now known {code}"}, code)
        assert isinstance(made, Success), made
    return fix


def closed(sobject: str, name: str) -> Make:
    """A document synced once, closed in SAP, then changed in Salesforce."""
    def make(lab: Lab) -> str:
        doc = lab.document(sobject, lab.account(), [{"Quantity": 1}])
        assert api.run_object(lab.world.hub, name).created >= 1
        [row] = lab.sap_docs(ENTITY[name], doc)
        with lab.world.hub.service_layer() as sl:
            assert isinstance(sl.action(ENTITY[name], str(row["DocEntry"]), "Close"), Success)
        line_fixed(sobject, {"Quantity": 9})(lab, doc)
        return doc
    return make


def reopened(name: str) -> Fix:
    def fix(lab: Lab, sf_id: str) -> None:
        [row] = lab.sap_docs(ENTITY[name], sf_id)
        with lab.world.hub.service_layer() as sl:
            assert isinstance(sl.action(ENTITY[name], str(row["DocEntry"]), "Reopen"), Success)
    return fix


def nine_applied(name: str) -> Check:
    def check(lab: Lab, sf_id: str) -> bool:
        [row] = lab.sap_docs(ENTITY[name], sf_id)
        return [ln["Quantity"] for ln in row["DocumentLines"]] == [9.0]
    return check


def waiting_document(sobject: str) -> Make:
    def make(lab: Lab) -> str:
        account = Account(lab.failing_account(), "", "USD")
        return lab.document(sobject, account, [{}])
    return make


def account_fixed(lookup: str) -> Fix:
    """Fix the record's (failing) account: ``lookup`` finds the account of the record."""
    def fix(lab: Lab, sf_id: str) -> None:
        [row] = lab.world.soql(f"SELECT AccountId FROM {lookup} WHERE Id = '{sf_id}'")
        lab.fix_account(str(row["AccountId"]))
    return fix


def wrong_currency(lab: Lab) -> str:
    account = lab.account()
    other = next(c for c in ("USD", "EUR", "CAD") if c != account.currency)
    return lab.document("Order", Account(account.sf_id, account.code, other), [{}])


def currency_of_customer_fixed(lab: Lab, sf_id: str) -> None:
    [row] = lab.world.soql(f"SELECT AccountId, CurrencyIsoCode, Account.SAP_CardCode__c FROM "
                           f"Order WHERE Id = '{sf_id}'")
    lab.world.edit_partner(row["Account"]["SAP_CardCode__c"],
                           {"Currency": row["CurrencyIsoCode"]})


def missing_price(lab: Lab) -> str:
    account = lab.account()
    entry = lab.entries(account.currency)[6]
    [bp] = lab.world.sap_rows("BusinessPartners", f"CardCode eq '{account.code}'",
                              ["CardCode", "PriceListNum"])
    with lab.world.hub.service_layer() as sl:
        assert isinstance(sl.update("Items", entry["ItemCode"], {"ItemPrices": [
            {"PriceList": bp["PriceListNum"] or 1, "Price": 0.0}]}), Success)
    return lab.document("Order", account, [{"entry": entry, "UnitPrice": 0.0}])


def opportunity(values: dict[str, Any], waiting: bool = False) -> Make:
    def make(lab: Lab) -> str:
        account = lab.failing_account() if waiting else lab.account().sf_id
        return lab.create("Opportunity", {"Name": "Catalogue deal", "AccountId": account,
                                          "StageName": "Prospecting",
                                          "CloseDate": "2026-09-30", **values})
    return make


def opportunity_in_sap(lab: Lab, sf_id: str) -> bool:
    return bool(lab.world.sap_rows("SalesOpportunities", f"U_B1H_SFID eq '{sf_id}'",
                                   ["SequentialNo"]))


def won_with_unknown_product(lab: Lab) -> str:
    account = lab.account()
    entry = lab.unknown_product("ZZ-WON-1", account.currency)
    deal = lab.create("Opportunity", {
        "Name": "Won deal", "AccountId": account.sf_id, "StageName": "Negotiation/Review",
        "CloseDate": "2026-07-31", "CurrencyIsoCode": account.currency,
        "Pricebook2Id": entry["Pricebook2Id"]})
    lab.create("OpportunityLineItem", {"OpportunityId": deal, "PricebookEntryId": entry["Id"],
                                       "Quantity": 1, "UnitPrice": 7.0})
    lab.update("Opportunity", deal, {"StageName": "Closed Won"})
    return deal


def sf_contact(values: dict[str, Any], waiting: bool = False) -> Make:
    """A Contact made in Salesforce, with a good sibling on the same account."""
    def make(lab: Lab) -> str:
        account = lab.failing_account() if waiting else lab.account().sf_id
        if not waiting:
            lab.good.append(("contact", lab.create("Contact", {
                "FirstName": "Good", "LastName": f"Sibling {account[-5:]}",
                "Email": f"sibling.{account[-5:].lower()}@example.com", "AccountId": account})))
        return lab.create("Contact", {"FirstName": "Case", "LastName": "Contact",
                                      "AccountId": account, **values})
    return make


def contact_in_sap(lab: Lab, sf_id: str) -> bool:
    [row] = lab.world.soql(f"SELECT SAP_ContactKey__c FROM Contact WHERE Id = '{sf_id}'")
    return bool(row["SAP_ContactKey__c"])


def sap_member(values: dict[str, Any]) -> Make:
    def make(lab: Lab) -> str:
        code = lab.account().code
        return lab.new_member(code, {"Name": f"Member {values.get('LastName', 'X')}"[:50],
                                     "FirstName": "Sap", "LastName": "Person", **values})
    return make


def member_in_salesforce(lab: Lab, key: str) -> bool:
    return bool(lab.world.soql(f"SELECT Id FROM Contact WHERE SAP_ContactKey__c = '{key}'"))


WAITING = OutcomeStatus.WAITING
CASES = [
    # Changes of documents SAP closed after they synced: never applied, said why.
    Case("quote-closed-in-sap", "quotation", "salesforce", "", "is closed",
         closed("Quote", "quotation"), reopened("quotation"), nine_applied("quotation")),
    Case("order-closed-in-sap", "order", "salesforce", "", "is closed",
         closed("Order", "order"), reopened("order"), nine_applied("order")),
    # Lines whose product SAP does not know.
    Case("order-unknown-product", "order", "salesforce", "Product2Id", "unknown in SAP",
         unknown_item("Order", "ZZ-ORD-1"), item_created("ZZ-ORD-1"), in_sap("Orders")),
    Case("quote-unknown-product", "quotation", "salesforce", "Product2Id", "unknown in SAP",
         unknown_item("Quote", "ZZ-QUO-1"), item_created("ZZ-QUO-1"), in_sap("Quotations")),
    Case("won-opportunity-unknown-product", "order", "salesforce", "Product2Id",
         "unknown in SAP", won_with_unknown_product, item_created("ZZ-WON-1"),
         in_sap("Orders")),
    # Numbers on document lines SAP cannot take.
    Case("order-negative-quantity", "order", "salesforce", "Quantity", "out of range",
         bad_line("Order", Quantity=-3), line_fixed("Order", {"Quantity": 3}),
         in_sap("Orders")),
    Case("order-zero-quantity", "order", "salesforce", "Quantity", "above 0",
         bad_line("Order", Quantity=0), line_fixed("Order", {"Quantity": 1}),
         in_sap("Orders")),
    Case("order-huge-quantity", "order", "salesforce", "Quantity", "out of range",
         bad_line("Order", Quantity=1e14), line_fixed("Order", {"Quantity": 4}),
         in_sap("Orders")),
    Case("order-huge-price", "order", "salesforce", "UnitPrice", "out of range",
         bad_line("Order", UnitPrice=5e13), line_fixed("Order", {"UnitPrice": 12.5}),
         in_sap("Orders")),
    Case("order-line-total-out-of-range", "order", "salesforce", "UnitPrice", "line total",
         bad_line("Order", Quantity=4e6, UnitPrice=9e6),
         line_fixed("Order", {"Quantity": 4, "UnitPrice": 9.0}), in_sap("Orders")),
    Case("quote-discount-over-100", "quotation", "salesforce", "Discount", "0 to 100",
         bad_line("Quote", Discount=150), line_fixed("Quote", {"Discount": 15}),
         in_sap("Quotations")),
    Case("order-missing-price", "order", "salesforce", "UnitPrice", "no price for item",
         missing_price, line_fixed("Order", {"UnitPrice": 9.0}), in_sap("Orders")),
    # Text SAP must not get, or cannot hold.
    Case("order-line-control-character", "order", "salesforce", "Description",
         "control character U+001B", bad_line("Order", Description="red \x1b[31m line"),
         line_fixed("Order", {"Description": "plain line"}), in_sap("Orders")),
    Case("order-header-nul-character", "order", "salesforce", "Description",
         "control character U+0000",
         lambda lab: lab.document("Order", lab.account(), [{}], {"Description": "a\x00b"}),
         header_fixed("Order", {"Description": "ab"}), in_sap("Orders")),
    Case("order-comments-too-long", "order", "salesforce", "Comments", "too long",
         lambda lab: lab.document("Order", lab.account(), [{}], {"Description": "C" * 300}),
         header_fixed("Order", {"Description": "short comment"}), in_sap("Orders")),
    # A currency SAP would book the amounts in wrongly (multi-currency is off).
    Case("order-wrong-currency", "order", "salesforce", "CurrencyIsoCode", "is billed in",
         wrong_currency, currency_of_customer_fixed, in_sap("Orders")),
    # Parents not synced: the record waits (read again every run), named with its account.
    Case("order-of-unsynced-account", "order", "salesforce", "AccountId",
         "waits for its account", waiting_document("Order"), account_fixed("Order"),
         in_sap("Orders"), WAITING),
    Case("quote-of-unsynced-account", "quotation", "salesforce", "AccountId",
         "waits for its account", waiting_document("Quote"), account_fixed("Quote"),
         in_sap("Quotations"), WAITING),
    Case("opportunity-of-unsynced-account", "opportunity", "salesforce", "AccountId",
         "waits for its account", opportunity({}, waiting=True),
         account_fixed("Opportunity"), opportunity_in_sap, WAITING),
    Case("contact-of-unsynced-account", "contact", "salesforce", "AccountId",
         "waits for its account", sf_contact({}, waiting=True), account_fixed("Contact"),
         contact_in_sap, WAITING),
    # Opportunities.
    Case("opportunity-amount-out-of-range", "opportunity", "salesforce", "Amount",
         "out of range", opportunity({"Amount": 5e14}),
         header_fixed("Opportunity", {"Amount": 5000}), opportunity_in_sap),
    Case("opportunity-name-control-character", "opportunity", "salesforce", "Name",
         "control character U+001B", opportunity({"Name": "Deal \x1b[0m"}),
         header_fixed("Opportunity", {"Name": "Deal clean"}), opportunity_in_sap),
    # Contacts both ways; a bad one never takes its siblings down.
    Case("sf-contact-last-name-too-long", "contact", "salesforce", "LastName", "too long",
         sf_contact({"LastName": "L" * 60}), header_fixed("Contact", {"LastName": "Short"}),
         contact_in_sap),
    Case("sf-contact-nul-character", "contact", "salesforce", "LastName",
         "control character U+0000", sf_contact({"LastName": "Nul\x00Name"}),
         header_fixed("Contact", {"LastName": "NulName"}), contact_in_sap),
    Case("sf-contact-title-too-long", "contact", "salesforce", "Position", "too long",
         sf_contact({"Title": "T" * 100}), header_fixed("Contact", {"Title": "Buyer"}),
         contact_in_sap),
    Case("sap-contact-invalid-email", "contact", "sap", "Email", "invalid email",
         sap_member({"LastName": "Mailer", "E_Mail": "not-an-email"}),
         lambda lab, key: lab.edit_member(key, {"E_Mail": "mailer@example.com"}),
         member_in_salesforce),
    Case("sap-contact-escape-character", "contact", "sap", "FirstName",
         "control character U+001B", sap_member({"LastName": "Escaper", "FirstName": "E\x1bs"}),
         lambda lab, key: lab.edit_member(key, {"FirstName": "Es"}), member_in_salesforce),
]


def _good(lab: Lab) -> list[tuple[str, str]]:
    """Good records of every object, made among the bad ones."""
    account = lab.account()
    return [
        ("order", lab.document("Order", account, [{"Quantity": 3, "UnitPrice": 11.0}])),
        ("quotation", lab.document("Quote", account, [{"Discount": 5}])),
        ("opportunity", opportunity({"Name": "Good deal", "Amount": 1200})(lab)),
        ("contact", lab.new_member(account.code, {"Name": "Good Member", "FirstName": "Good",
                                                  "LastName": "Member"})),
    ]


def _is_synced(lab: Lab, name: str, key: str) -> bool:
    if name == "contact":
        return (member_in_salesforce if ":" in key else contact_in_sap)(lab, key)
    if name == "opportunity":
        return opportunity_in_sap(lab, key)
    return in_sap(ENTITY[name])(lab, key)


def _open(world: World) -> dict[tuple[str, str], RecordOutcome]:
    found: dict[tuple[str, str], RecordOutcome] = {}
    with world.hub.repos() as repos:
        for name in OBJECTS:
            for o in repos.outcomes.open_errors(name, limit=100_000):
                for key in (o.sf_id, o.sap_key):
                    if key:
                        found.setdefault((name, key), o)
    return found


@dataclass
class Results:
    made: dict[str, str]
    errors: dict[str, RecordOutcome | None]
    good: dict[str, bool]
    after_fix: dict[str, bool]
    still_open: dict[str, RecordOutcome]
    runs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    tmp = tmp_path_factory.mktemp("bad-documents")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        with open_world(tmp / "sandbox", "default", customers=40, items=12) as world:
            with world.hub.repos() as repos:
                for key, value in (("multi_currency", False), ("exempt_tax_code", "EX"),
                                   ("closed_won_creates_order", True),
                                   ("default_sales_person", 3)):
                    repos.settings.set(key, value)
            for name in ("account", "product", "contact"):
                assert api.initialize(world.hub, name).status is InitStatus.DONE
            with world.salesforce_user() as sf:
                lab = Lab(world, sf)
                made = {c.id: c.make(lab) for c in CASES}
                good = lab.good + _good(lab)
                runs = []
                for name in OBJECTS:
                    run = api.run_object(world.hub, name)
                    assert run.status is RunStatus.SUCCEEDED, run
                    runs.append(f"{name}: {run.failed} failed, {run.waiting} waiting")
                errors = _open(world)
                found = {c.id: errors.get((c.object, made[c.id])) for c in CASES}
                synced_good = {f"{n} {k}": _is_synced(lab, n, k) for n, k in good}
                for case in CASES:
                    case.fix(lab, made[case.id])
                for summary in api.retry_errors(world.hub):
                    assert summary.status is RunStatus.SUCCEEDED, summary
                after = {c.id: c.synced(lab, made[c.id]) for c in CASES}
                left = _open(world)
                yield Results(made, found, synced_good, after,
                              {c.id: left[(c.object, made[c.id])] for c in CASES
                               if (c.object, made[c.id]) in left}, runs)


def test_the_document_catalogue_is_broad(results: Results, figures: Figures) -> None:
    by_object = {name: sum(c.object == name for c in CASES) for name in OBJECTS}
    figures.record(
        "Bad input: documents, opportunities, contacts", kinds_tried=len(CASES),
        kinds_by_object={k: v for k, v in by_object.items() if v},
        kinds_by_side={s: sum(c.side == s for c in CASES) for s in ("sap", "salesforce")},
        reported_per_record=sum(e is not None for e in results.errors.values()),
        synced_after_fix=sum(results.after_fix.values()),
        good_records_in_the_same_runs_synced=f"{sum(results.good.values())} of "
                                             f"{len(results.good)}",
        first_runs=results.runs)
    assert len(CASES) >= 25 and {c.side for c in CASES} == {"sap", "salesforce"}
    assert all(results.good.values()), results.good  # bad records never stop the rest


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_record_is_reported_then_syncs_once_fixed(results: Results, case: Case) -> None:
    key = results.made[case.id]
    outcome = results.errors[case.id]
    assert outcome is not None, f"{case.id}: no error recorded for {key}"
    assert outcome.status is case.status, (outcome.status, outcome.error_message)
    message = outcome.error_message or ""
    assert key in message, message  # the record is named
    named = " ".join(outcome.error_fields or []) + " " + message
    assert case.field.lower() in named.lower(), (case.field, named)
    assert case.reason.lower() in message.lower(), (case.reason, message)
    assert results.after_fix[case.id], f"{case.id}: not synced after the fix and retry"
    assert case.id not in results.still_open, results.still_open[case.id].error_message
