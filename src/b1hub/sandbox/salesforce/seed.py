"""Seed the org from the shared :class:`~b1hub.sandbox.universe.World`.

The org describes the same companies as the Service Layer seed, but like a real CRM
that grew on its own: only some SAP customers exist as accounts (same name and phone,
some with the CardCode as AccountNumber), a few twice (near-duplicates), plus accounts,
contacts and leads SAP has never seen. Products match about 40 % of the items by
ProductCode. Records are written in one transaction with ``executemany``, bypassing
per-record validation (the generator only produces valid records).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.values import now_stamp
from b1hub.sandbox.universe import ITEM_GROUPS, SALES_PERSONS, Partner, World

ACCOUNT_SHARE = 0.6
ACCOUNT_NUMBER_SHARE = 0.35
NEAR_DUPLICATE_SHARE = 0.03
SF_ONLY_ACCOUNT_SHARE = 0.1
CONTACT_SHARE = 0.7
CONTACT_EMAIL_MATCH = 0.8
LEAD_MATCH_SHARE = 0.5
SF_ONLY_LEAD_SHARE = 0.05
PRODUCT_SHARE = 0.4
OPPORTUNITY_SHARE = 0.05
ORDER_SHARE = 0.03
CURRENCY_BOOKS = {"USD": "USD Price Book", "EUR": "EUR Price Book", "CAD": "CAD Price Book"}
TYPE_BY_GROUP = {100: "Customer - Direct", 101: "Customer - Channel", 102: "Partner",
                 103: "Customer - Direct", 104: "Other"}


class Seeder:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.world = World(org.settings.seed, org.settings.size)
        self.rng = random.Random(f"{org.settings.seed}:salesforce")
        self._authors = random.Random(f"{org.settings.seed}:authors")
        self.now = now_stamp()
        self.rows: list[tuple[str, str, str, int, str]] = []
        self.user_id = ""
        self.people: list[str] = []
        """The sales reps: seeded records were made by people, not by the integration user."""
        self._entry_product: dict[str, str] = {}
        self._books: dict[str, str] = {}

    def add(self, sobject: str, values: dict[str, Any], **system: Any) -> str:
        schema = self.org.schemas.get(sobject)
        assert schema is not None
        record_id = self.org.ids.new(schema.key_prefix)
        author = self._authors.choice(self.people) if self.people else self.user_id or record_id
        data: dict[str, Any] = {"Id": record_id, "IsDeleted": False, "CreatedDate": self.now,
                                "CreatedById": author, "LastModifiedDate": self.now,
                                "LastModifiedById": author,
                                "SystemModstamp": self.now, "CurrencyIsoCode": "USD"}
        if "OwnerId" in schema.fields:
            data["OwnerId"] = author
        for spec in schema.fields.values():
            if spec.type == "boolean" and spec.name not in data:
                data[spec.name] = spec.default if isinstance(spec.default, bool) else False
        data.update({k: v for k, v in values.items() if v not in (None, "")}, **system)
        if sobject in ("Contact", "Lead", "User"):
            data["Name"] = " ".join(p for p in (data.get("FirstName"), data.get("LastName"))
                                    if p)
        self.rows.append((record_id, sobject, orjson.dumps(data).decode(), 0, self.now))
        return record_id

    def run(self) -> None:
        with self.org.transaction():
            self._users()
            accounts = self._accounts()
            self._leads()
            entries = self._catalog()
            self._deals(accounts, entries)
            self.org.conn.executemany(
                "INSERT INTO records(id, sobject, data, is_deleted, system_modstamp) "
                "VALUES (?, ?, ?, ?, ?)", self.rows,
            )
            self.org.kv.set("integration_user_id", self.user_id)

    def _users(self) -> None:
        settings = self.org.settings
        self.user_id = self.org.ids.new("005")
        self.rows.append((self.user_id, "User", orjson.dumps({
            "Id": self.user_id, "IsDeleted": False, "CreatedDate": self.now,
            "CreatedById": self.user_id, "LastModifiedDate": self.now,
            "LastModifiedById": self.user_id, "SystemModstamp": self.now,
            "CurrencyIsoCode": "USD", "Username": settings.username, "FirstName": "Integration",
            "LastName": "User", "Name": "Integration User", "Email": settings.username,
            "Alias": "integ", "IsActive": True, "Title": "API Integration",
        }).decode(), 0, self.now))
        for number, full in SALES_PERSONS.items():
            if number < 0:
                continue
            first, last = full.split(" ", 1)
            rep = self.add("User", {"Username": f"{first}.{last}@b1hub.sandbox".lower(),
                                    "FirstName": first, "LastName": last,
                                    "Email": f"{first}.{last}@b1hub.sandbox".lower(),
                                    "Alias": (first[0] + last)[:8].lower(), "IsActive": True,
                                    "Title": "Sales Representative"})
            self.people.append(rep)

    def _account_values(self, p: Partner) -> dict[str, Any]:
        return {
            "Name": p.name, "Phone": p.phone, "Website": p.website,
            "Type": TYPE_BY_GROUP.get(p.group_code, "Customer - Direct"),
            "CurrencyIsoCode": p.currency, "Description": p.notes,
            "BillingStreet": f"{p.bill_to.street_no} {p.bill_to.street}",
            "BillingCity": p.bill_to.city, "BillingState": p.bill_to.state,
            "BillingPostalCode": p.bill_to.zip_code, "BillingCountry": p.bill_to.country,
            "ShippingStreet": f"{p.ship_to.street_no} {p.ship_to.street}",
            "ShippingCity": p.ship_to.city, "ShippingState": p.ship_to.state,
            "ShippingPostalCode": p.ship_to.zip_code, "ShippingCountry": p.ship_to.country,
        }

    def _accounts(self) -> list[tuple[str, str]]:
        """Create accounts and their contacts; returns (account id, currency) pairs."""
        rng = self.rng
        out: list[tuple[str, str]] = []
        for partner in self.world.customers:
            if rng.random() >= ACCOUNT_SHARE:
                continue
            values = self._account_values(partner)
            if rng.random() < ACCOUNT_NUMBER_SHARE:
                values["AccountNumber"] = partner.card_code
            account_id = self.add("Account", values)
            out.append((account_id, partner.currency))
            for person in partner.contacts:
                if rng.random() >= CONTACT_SHARE:
                    continue
                email = person.email if rng.random() < CONTACT_EMAIL_MATCH else (
                    person.email.split("@")[0] + "@mail.example.org")
                self.add("Contact", {
                    "AccountId": account_id, "FirstName": person.first_name,
                    "LastName": person.last_name, "Email": email, "Phone": person.phone,
                    "MobilePhone": person.mobile, "Title": person.position[:128],
                    "CurrencyIsoCode": partner.currency,
                })
            if rng.random() < NEAR_DUPLICATE_SHARE:
                twin = self._account_values(partner) | {"Phone": None, "Website": None,
                                                        "Type": "Prospect"}
                out.append((self.add("Account", twin), partner.currency))
        names = [p.name.split(" ", 1) for p in self.world.partners]
        for i in range(int(self.world.partner_count * SF_ONLY_ACCOUNT_SHARE)):
            first = rng.choice(names)[0]
            rest = rng.choice(names)[-1]
            account_id = self.add("Account", {
                "Name": f"{first} {rest} (CRM {i + 1})", "Type": "Prospect",
                "Phone": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                "BillingCountry": rng.choice(["US", "CA", "DE", "FR"]),
            })
            self.add("Contact", {"AccountId": account_id, "LastName": rest.split(" ")[0],
                                 "FirstName": first,
                                 "Email": f"{first.lower()}{i}@crm-only.example.net"})
            out.append((account_id, "USD"))
        return out

    def _leads(self) -> None:
        rng = self.rng
        for partner in self.world.leads:
            if rng.random() >= LEAD_MATCH_SHARE:
                continue
            person = partner.contacts[0]
            self.add("Lead", {
                "Company": partner.name, "FirstName": person.first_name,
                "LastName": person.last_name, "Email": person.email, "Phone": partner.phone,
                "Status": "Working - Contacted", "City": partner.bill_to.city,
                "Country": partner.bill_to.country, "CurrencyIsoCode": partner.currency,
            })
        for i in range(int(self.world.partner_count * SF_ONLY_LEAD_SHARE)):
            self.add("Lead", {"Company": f"Web Prospect {i + 1}", "LastName": f"Visitor{i + 1}",
                              "Email": f"visitor{i + 1}@web-leads.example.net",
                              "Status": "Open - Not Contacted", "LeadSource": "Web"})

    def _catalog(self) -> dict[str, list[tuple[str, float]]]:
        """Products, the standard and per-currency books; entries per currency book."""
        standard = self.add("Pricebook2", {"Name": "Standard Price Book", "IsActive": True},
                            IsStandard=True)
        books = {cur: self.add("Pricebook2", {"Name": name, "IsActive": True,
                                              "Description": f"Prices in {cur}"})
                 for cur, name in CURRENCY_BOOKS.items()}
        entries: dict[str, list[tuple[str, float]]] = {cur: [] for cur in books}
        self.org.kv.set("price_books", {"standard": standard, **books})
        for item in self.world.products:
            if self.rng.random() >= PRODUCT_SHARE:
                continue
            product = self.add("Product2", {
                "Name": item.name, "ProductCode": item.item_code, "IsActive": item.valid,
                "Family": ITEM_GROUPS.get(item.group_code),
            })
            for _, price, currency in item.prices:
                common = {"Product2Id": product, "UnitPrice": price, "IsActive": True,
                          "CurrencyIsoCode": currency, "Name": item.name,
                          "ProductCode": item.item_code}
                self.add("PricebookEntry", common | {"Pricebook2Id": standard})
                entry = self.add("PricebookEntry", common | {"Pricebook2Id": books[currency]})
                entries[currency].append((entry, price))
                self._entry_product[entry] = product
        self._books = books
        return entries

    def _deals(
        self, accounts: list[tuple[str, str]], entries: dict[str, list[tuple[str, float]]]
    ) -> None:
        rng = self.rng
        stages = ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"]
        today = datetime.now(UTC).date()
        order_no = quote_no = 0
        for account_id, currency in accounts:
            lines = entries.get(currency) or []
            if not lines:
                continue
            if rng.random() < OPPORTUNITY_SHARE:
                stage = rng.choice(stages)
                opportunity = self.add("Opportunity", {
                    "Name": f"Deal {account_id[-6:]}", "AccountId": account_id,
                    "StageName": stage, "Probability": {"Prospecting": 10, "Qualification": 10,
                                                        "Proposal/Price Quote": 75,
                                                        "Negotiation/Review": 90}[stage],
                    "CloseDate": (today + timedelta(days=rng.randint(10, 120))).isoformat(),
                    "Amount": round(rng.uniform(1000, 90000), 2), "CurrencyIsoCode": currency,
                    "Pricebook2Id": self._books[currency],
                })
                if rng.random() < 0.5:
                    quote_no += 1
                    self._document("Quote", "QuoteLineItem", "QuoteId", "TotalPrice", {
                        "Name": f"Quote {quote_no}", "OpportunityId": opportunity,
                        "AccountId": account_id, "Pricebook2Id": self._books[currency],
                        "Status": "Draft", "CurrencyIsoCode": currency,
                        "QuoteNumber": f"{quote_no:08d}",
                    }, lines)
            if rng.random() < ORDER_SHARE:
                order_no += 1
                self._document("Order", "OrderItem", "OrderId", "TotalAmount", {
                    "AccountId": account_id, "EffectiveDate": today.isoformat(),
                    "Status": "Draft", "Pricebook2Id": self._books[currency],
                    "CurrencyIsoCode": currency, "OrderNumber": f"{order_no:08d}",
                }, lines)
        self.org.ids.take("#Quote", quote_no)
        self.org.ids.take("#Order", order_no)

    def _document(
        self, header: str, line: str, parent_field: str, total_field: str,
        values: dict[str, Any], lines: list[tuple[str, float]],
    ) -> None:
        rng = self.rng
        chosen = [rng.choice(lines) for _ in range(rng.randint(1, 3))]
        total = 0.0
        line_rows = []
        for entry, price in chosen:
            quantity = rng.randint(1, 10)
            total += quantity * price
            line_rows.append({"PricebookEntryId": entry, "Quantity": quantity,
                              "UnitPrice": price, "ListPrice": price,
                              "TotalPrice": round(quantity * price, 2),
                              "CurrencyIsoCode": values["CurrencyIsoCode"],
                              "Product2Id": self._entry_product[entry]})
        header_id = self.add(header, values | {total_field: round(total, 2)})
        for row in line_rows:
            self.add(line, row | {parent_field: header_id})


def seed_if_empty(org: Org) -> bool:
    """Seed a fresh store; True when it seeded."""
    if org.conn.execute("SELECT 1 FROM records LIMIT 1").fetchone():
        return False
    Seeder(org).run()
    return True


def integration_user_id(org: Org) -> str:
    return str(org.kv.get("integration_user_id", ""))
