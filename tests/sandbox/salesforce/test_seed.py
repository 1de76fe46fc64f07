"""The seeded org matches the shared World: same companies, contacts and product codes."""

from __future__ import annotations

from typing import Any

import httpx
from sf_helpers import V

from b1hub.sandbox.universe import World


def _all(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    page = api.get(f"{V}/query", params={"q": soql}).json()
    records = list(page["records"])
    while not page["done"]:
        page = api.get(page["nextRecordsUrl"]).json()
        records += page["records"]
    return records


def test_seed_shares_companies_and_products_with_sap(api: httpx.Client) -> None:
    world = World(42, "small")
    customers = {p.name: p for p in world.customers}
    accounts = _all(api, "SELECT Name, Phone, AccountNumber, CreatedById FROM Account "
                         "WHERE Type != 'Prospect' AND CreatedDate < TOMORROW")
    matching = [a for a in accounts if a["Name"] in customers]
    assert 0.4 * len(customers) < len(matching) <= len(customers)
    assert all(a["Phone"] == customers[a["Name"]].phone for a in matching)
    with_codes = [a for a in matching if a["AccountNumber"]]
    assert with_codes
    assert all(a["AccountNumber"] == customers[a["Name"]].card_code for a in with_codes)
    codes = {r["ProductCode"] for r in _all(api, "SELECT ProductCode FROM Product2")}
    items = {p.item_code for p in world.products}
    assert 0.25 * len(items) < len(codes & items) < 0.6 * len(items)
    emails = {c.email for p in world.customers for c in p.contacts}
    contact_emails = {r["Email"] for r in _all(api, "SELECT Email FROM Contact")}
    assert len(emails & contact_emails) > 0.3 * len(emails)


def test_seed_has_price_books_per_currency(api: httpx.Client) -> None:
    books = _all(api, "SELECT Name, IsStandard, IsActive FROM Pricebook2")
    names = {b["Name"]: b for b in books}
    assert names["Standard Price Book"]["IsStandard"] is True
    assert {"USD Price Book", "EUR Price Book", "CAD Price Book"} <= set(names)
    counts = api.get(f"{V}/query", params={
        "q": "SELECT COUNT() FROM PricebookEntry WHERE CurrencyIsoCode = 'EUR'"}).json()
    assert counts["totalSize"] > 0
    users = _all(api, "SELECT Username FROM User")
    assert "integration@b1hub.sandbox" in {u["Username"] for u in users}
