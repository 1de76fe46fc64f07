"""Object behaviour: leads and conversion, stages, price books, orders and line items."""

from __future__ import annotations

from typing import Any

import httpx
from sf_helpers import V, create, errors, key


def _query(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = api.get(f"{V}/query", params={"q": soql})
    assert response.status_code == 200, response.text
    return list(response.json()["records"])


def test_lead_defaults_and_conversion(api: httpx.Client) -> None:
    code = key("L")[:15]
    lead_id = create(api, "Lead", LastName="Convert", FirstName="Ann", Company=f"Conv {code}",
                     Email="ann@conv.example.com", SAP_CardCode__c=code)
    lead = api.get(f"{V}/sobjects/Lead/{lead_id}").json()
    assert lead["Status"] == "Open - Not Contacted" and lead["IsConverted"] is False
    assert lead["Name"] == "Ann Convert"
    response = api.post("/services/apexrest/b1hub/leadconvert", json={"leadId": lead_id})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["success"] is True and result["leadId"] == lead_id
    converted = api.get(f"{V}/sobjects/Lead/{lead_id}").json()
    assert converted["IsConverted"] is True and converted["Status"] == "Closed - Converted"
    assert converted["ConvertedAccountId"] == result["accountId"]
    assert converted["ConvertedContactId"] == result["contactId"]
    assert converted["ConvertedOpportunityId"] == result["opportunityId"]
    account = api.get(f"{V}/sobjects/Account/{result['accountId']}").json()
    assert account["Name"] == f"Conv {code}" and account["SAP_CardCode__c"] == code
    contact = api.get(f"{V}/sobjects/Contact/{result['contactId']}").json()
    assert contact["AccountId"] == result["accountId"]
    assert contact["Email"] == "ann@conv.example.com"
    blocked = api.patch(f"{V}/sobjects/Lead/{lead_id}", json={"Phone": "1"})
    assert errors(blocked) == [("CANNOT_UPDATE_CONVERTED_LEAD",
                                "cannot reference converted lead")]
    twice = api.post("/services/apexrest/b1hub/leadconvert", json={"leadId": lead_id})
    assert twice.status_code == 400


def test_conversion_into_an_existing_account_without_opportunity(api: httpx.Client) -> None:
    account_id = create(api, "Account", Name="Existing Co")
    lead_id = create(api, "Lead", LastName="Merge", Company="Existing Co")
    result = api.post("/services/apexrest/b1hub/leadconvert", json={
        "leadId": lead_id, "accountId": account_id, "doNotCreateOpportunity": True}).json()
    assert result["accountId"] == account_id and result["opportunityId"] is None


def test_opportunity_stage_sets_probability_and_flags(api: httpx.Client) -> None:
    opp_id = create(api, "Opportunity", Name="Stage", StageName="Prospecting",
                    CloseDate="2030-01-31")
    opp = api.get(f"{V}/sobjects/Opportunity/{opp_id}").json()
    assert (opp["Probability"], opp["IsClosed"], opp["IsWon"]) == (10, False, False)
    api.patch(f"{V}/sobjects/Opportunity/{opp_id}", json={"StageName": "Closed Won"})
    opp = api.get(f"{V}/sobjects/Opportunity/{opp_id}").json()
    assert (opp["Probability"], opp["IsClosed"], opp["IsWon"]) == (100, True, True)


def test_price_book_entries_need_a_standard_price(api: httpx.Client) -> None:
    books = {r["Name"]: r["Id"] for r in _query(api, "SELECT Id, Name FROM Pricebook2")}
    standard = _query(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"]
    product = create(api, "Product2", Name="PBE test", ProductCode=key("P"))
    missing = api.post(f"{V}/sobjects/PricebookEntry/", json={
        "Pricebook2Id": books["EUR Price Book"], "Product2Id": product, "UnitPrice": 5,
        "CurrencyIsoCode": "EUR"})
    assert errors(missing) == [("STANDARD_PRICE_NOT_DEFINED",
                                "No standard price defined for this product")]
    create(api, "PricebookEntry", Pricebook2Id=standard, Product2Id=product, UnitPrice=5,
           CurrencyIsoCode="EUR", IsActive=True)
    entry = create(api, "PricebookEntry", Pricebook2Id=books["EUR Price Book"],
                   Product2Id=product, UnitPrice=4.5, CurrencyIsoCode="EUR")
    record = api.get(f"{V}/sobjects/PricebookEntry/{entry}").json()
    assert record["IsActive"] is False and record["Name"] == "PBE test"
    moved = api.patch(f"{V}/sobjects/PricebookEntry/{entry}", json={"Pricebook2Id": standard})
    assert moved.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_order_is_draft_and_items_roll_up(api: httpx.Client) -> None:
    usd = _query(api, "SELECT Id FROM Pricebook2 WHERE Name = 'USD Price Book'")[0]["Id"]
    entry = _query(api, f"SELECT Id, UnitPrice, Product2Id FROM PricebookEntry "
                        f"WHERE Pricebook2Id = '{usd}' LIMIT 1")[0]
    account_id = create(api, "Account", Name="Order Co")
    activated = api.post(f"{V}/sobjects/Order/", json={
        "AccountId": account_id, "EffectiveDate": "2030-01-01", "Status": "Activated"})
    assert activated.status_code == 400
    order_id = create(api, "Order", AccountId=account_id, EffectiveDate="2030-01-01",
                      Pricebook2Id=usd)
    order = api.get(f"{V}/sobjects/Order/{order_id}").json()
    assert order["Status"] == "Draft" and order["OrderNumber"]
    item_id = create(api, "OrderItem", OrderId=order_id, PricebookEntryId=entry["Id"],
                     Quantity=2, UnitPrice=10)
    item = api.get(f"{V}/sobjects/OrderItem/{item_id}").json()
    assert item["Product2Id"] == entry["Product2Id"] and item["ListPrice"] == entry["UnitPrice"]
    assert api.get(f"{V}/sobjects/Order/{order_id}").json()["TotalAmount"] == 20
