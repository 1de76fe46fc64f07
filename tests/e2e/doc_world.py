"""Salesforce quotes and orders made for tests, and what SAP and the hub made of them."""

from __future__ import annotations

from typing import Any

from e2e_world import World

from b1hub.connectors.outcomes import Success

ORDER_FIELDS = ["DocEntry", "DocNum", "CardCode", "NumAtCard", "DocCurrency", "DocTotal",
                "PaymentGroupCode", "DocumentStatus", "Cancelled", "DocumentLines",
                "DocumentAdditionalExpenses", "BPL_IDAssignedToInvoice"]


def create(world: World, sobject: str, values: dict[str, Any]) -> str:
    with world.salesforce_user() as sf:
        outcome = sf.create(sobject, values, sobject)
    assert isinstance(outcome, Success) and outcome.remote_id, outcome
    return outcome.remote_id


def update(world: World, sobject: str, sf_id: str, values: dict[str, Any]) -> None:
    with world.salesforce_user() as sf:
        outcome = sf.update(sobject, sf_id, values, sf_id)
    assert isinstance(outcome, Success), outcome


def linked_account(world: World, offset: int = 0) -> tuple[str, str]:
    [row] = world.soql("SELECT Id, SAP_CardCode__c FROM Account WHERE SAP_CardCode__c != null "
                       f"ORDER BY SAP_CardCode__c LIMIT 1 OFFSET {offset}")
    return str(row["Id"]), str(row["SAP_CardCode__c"])


def entries(world: World, currency: str) -> list[dict[str, Any]]:
    """Price book entries of synced products in the currency's book."""
    [book] = world.soql(f"SELECT Id FROM Pricebook2 WHERE Name = '{currency} Price Book'")
    rows = world.soql("SELECT Id, Product2Id, UnitPrice, SAP_PriceKey__c FROM PricebookEntry "
                      f"WHERE Pricebook2Id = '{book['Id']}' AND SAP_PriceKey__c != null "
                      "ORDER BY SAP_PriceKey__c")
    return [{**r, "Pricebook2Id": book["Id"],
             "ItemCode": str(r["SAP_PriceKey__c"]).split(":")[0]} for r in rows]


def order(world: World, account: str, currency: str,
           lines: list[tuple[dict[str, Any], float, float]], activate: bool = True) -> str:
    book = lines[0][0]["Pricebook2Id"]
    order = create(world, "Order", {"AccountId": account, "EffectiveDate": "2026-03-02",
                                     "Status": "Draft", "Pricebook2Id": book,
                                     "CurrencyIsoCode": currency})
    for entry, quantity, price in lines:
        create(world, "OrderItem", {"OrderId": order, "PricebookEntryId": entry["Id"],
                                     "Quantity": quantity, "UnitPrice": price})
    if activate:
        update(world, "Order", order, {"Status": "Activated"})
    return order


def quote(world: World, account: str, currency: str,
           lines: list[tuple[dict[str, Any], float, float, float]], status: str) -> str:
    book = lines[0][0]["Pricebook2Id"]
    opportunity = create(world, "Opportunity", {
        "Name": "Quote deal", "AccountId": account, "StageName": "Proposal/Price Quote",
        "CloseDate": "2026-06-30", "CurrencyIsoCode": currency, "Pricebook2Id": book})
    quote = create(world, "Quote", {"Name": "Q for test", "OpportunityId": opportunity,
                                     "Pricebook2Id": book, "CurrencyIsoCode": currency,
                                     "Status": "Draft"})
    for entry, quantity, price, discount in lines:
        create(world, "QuoteLineItem", {"QuoteId": quote, "PricebookEntryId": entry["Id"],
                                         "Quantity": quantity, "UnitPrice": price,
                                         "Discount": discount})
    update(world, "Quote", quote, {"Status": status})
    return quote


def sap_docs(world: World, entity: str, sf_id: str) -> list[dict[str, Any]]:
    return world.sap_rows(entity, f"NumAtCard eq '{sf_id}'", ORDER_FIELDS)


def sf_document(world: World, sobject: str, sf_id: str, extra: str = "") -> dict[str, Any]:
    [row] = world.soql(f"SELECT SAP_DocEntry__c, SAP_DocNum__c, SAP_Status__c, "
                       f"SAP_DocTotal__c, SAP_SyncStatus__c{extra} FROM {sobject} "
                       f"WHERE Id = '{sf_id}'")
    return row


def open_error(world: World, name: str, sf_id: str) -> Any:
    with world.hub.repos() as repos:
        rows = [r for r in repos.outcomes.open_errors(name) if r.sf_id == sf_id]
    assert len(rows) == 1, rows
    return rows[0]
