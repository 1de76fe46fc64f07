"""Quote grand totals (shipping and tax) and opportunity products rolling up to Amount."""

from __future__ import annotations

from typing import Any

import httpx
from sf_helpers import V, create


def _query(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = api.get(f"{V}/query", params={"q": soql})
    assert response.status_code == 200, response.text
    return list(response.json()["records"])


def _book_entries(api: httpx.Client) -> tuple[str, list[dict[str, Any]]]:
    [book] = _query(api, "SELECT Id FROM Pricebook2 WHERE Name = 'USD Price Book'")
    rows = _query(api, "SELECT Id, UnitPrice, Product2Id, ProductCode FROM PricebookEntry "
                       f"WHERE Pricebook2Id = '{book['Id']}' LIMIT 2")
    return str(book["Id"]), rows


def test_quote_grand_total_adds_shipping_and_tax_to_the_lines(api: httpx.Client) -> None:
    book, entries = _book_entries(api)
    account = create(api, "Account", Name="Quote Totals Co")
    opp = create(api, "Opportunity", Name="Totals", AccountId=account, StageName="Prospecting",
                 CloseDate="2030-01-01", Pricebook2Id=book)
    quote = create(api, "Quote", Name="Q totals", OpportunityId=opp, ShippingHandling=12.5)
    create(api, "QuoteLineItem", QuoteId=quote, PricebookEntryId=entries[0]["Id"], Quantity=2,
           UnitPrice=30, Discount=10)
    got = api.get(f"{V}/sobjects/Quote/{quote}").json()
    assert (got["TotalPrice"], got["GrandTotal"]) == (54.0, 66.5)
    assert api.patch(f"{V}/sobjects/Quote/{quote}", json={"Tax": 5.45}).status_code == 204
    assert api.get(f"{V}/sobjects/Quote/{quote}").json()["GrandTotal"] == 71.95
    denied = api.patch(f"{V}/sobjects/Quote/{quote}", json={"GrandTotal": 1})
    assert denied.status_code == 400
    assert denied.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_opportunity_products_roll_up_to_the_amount(api: httpx.Client) -> None:
    book, entries = _book_entries(api)
    account = create(api, "Account", Name="Opp Products Co")
    opp = create(api, "Opportunity", Name="With products", AccountId=account,
                 StageName="Closed Won", CloseDate="2030-01-01", Pricebook2Id=book)
    first = create(api, "OpportunityLineItem", OpportunityId=opp,
                   PricebookEntryId=entries[0]["Id"], Quantity=3, UnitPrice=10, Discount=50)
    create(api, "OpportunityLineItem", OpportunityId=opp, PricebookEntryId=entries[1]["Id"],
           Quantity=2, TotalPrice=50)
    line = api.get(f"{V}/sobjects/OpportunityLineItem/{first}").json()
    assert (line["Product2Id"], line["ProductCode"], line["ListPrice"], line["TotalPrice"]) == (
        entries[0]["Product2Id"], entries[0]["ProductCode"], entries[0]["UnitPrice"], 15.0)
    rows = _query(api, "SELECT UnitPrice, TotalPrice FROM OpportunityLineItem "
                       f"WHERE OpportunityId = '{opp}' ORDER BY Id")
    assert [(r["UnitPrice"], r["TotalPrice"]) for r in rows] == [(10.0, 15.0), (25.0, 50.0)]
    assert api.get(f"{V}/sobjects/Opportunity/{opp}").json()["Amount"] == 65.0
    assert api.delete(f"{V}/sobjects/OpportunityLineItem/{first}").status_code == 204
    assert api.get(f"{V}/sobjects/Opportunity/{opp}").json()["Amount"] == 50.0
