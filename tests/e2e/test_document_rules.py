"""Document rules over HTTP: Closed Won creates the order, freight, missing prices, branch,
and field mappings of opportunities."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doc_world import (
    create,
    entries,
    linked_account,
    open_error,
    order,
    quote,
    sap_docs,
    sf_document,
    update,
)
from e2e_world import World, data_writes

from b1hub.connectors.outcomes import Success
from b1hub.store.types import InitStatus
from b1hub.sync import api

B1HUB = str(Path(sys.executable).parent / "b1hub")
BRANCH = 3


@pytest.fixture(scope="module")
def ready(world: World) -> World:
    for name in ("account", "product"):
        assert api.initialize(world.hub, name).status is InitStatus.DONE
    with world.hub.repos() as repos:
        for key, value in (("multi_currency", True), ("exempt_tax_code", "EX"),
                           ("shipping_freight_code", 1), ("branch", BRANCH)):
            repos.settings.set(key, value)
    return world


@pytest.fixture(autouse=True)
def _no_faults(world: World) -> Iterator[None]:
    yield
    world.sl_admin.delete("/_sandbox/faults")
    world.sf_admin.delete("/_sandbox/faults")


def _setting(world: World, key: str, value: Any) -> None:
    with world.hub.repos() as repos:
        repos.settings.set(key, value)


def _opportunity(world: World, account: str, book: str, stage: str,
                 lines: list[tuple[dict[str, Any], float, float, float]]) -> str:
    opp = create(world, "Opportunity", {
        "Name": "Won by tests", "AccountId": account, "StageName": stage,
        "CloseDate": "2026-07-31", "CurrencyIsoCode": "EUR", "Pricebook2Id": book})
    for entry, quantity, price, discount in lines:
        create(world, "OpportunityLineItem", {"OpportunityId": opp, "PricebookEntryId":
                                              entry["Id"], "Quantity": quantity,
                                              "UnitPrice": price, "Discount": discount})
    return opp


def test_closed_won_opportunity_with_products_creates_one_sap_order(ready: World) -> None:
    world = ready
    _setting(world, "closed_won_creates_order", True)
    account, code = linked_account(world, 0)
    eur = entries(world, "EUR")
    book = eur[0]["Pricebook2Id"]
    opp = _opportunity(world, account, book, "Negotiation/Review",
                       [(eur[0], 2, 100.0, 10.0), (eur[1], 1, 45.5, 0.0)])
    bare = _opportunity(world, account, book, "Closed Won", [])  # no products: no order
    assert api.run_object(world.hub, "order").created == 0
    assert sap_docs(world, "Orders", opp) == []

    update(world, "Opportunity", opp, {"StageName": "Closed Won"})
    summary = api.run_object(world.hub, "order")
    assert (summary.created, summary.failed) == (1, 0)
    [doc] = sap_docs(world, "Orders", opp)
    assert (doc["CardCode"], doc["DocCurrency"]) == (code, "EUR")
    assert [(ln["ItemCode"], ln["Quantity"], ln["UnitPrice"], ln["DiscountPercent"])
            for ln in doc["DocumentLines"]] == [(eur[0]["ItemCode"], 2.0, 100.0, 10.0),
                                                (eur[1]["ItemCode"], 1.0, 45.5, 0.0)]
    [row] = world.soql(f"SELECT Amount, SAP_SyncStatus__c FROM Opportunity WHERE Id = '{opp}'")
    assert doc["DocTotal"] == pytest.approx(row["Amount"]) == 225.5
    assert row["SAP_SyncStatus__c"] == f"SAP sales order {doc['DocNum']}: Open, total 225.50"
    assert sap_docs(world, "Orders", bare) == []

    api.run_object(world.hub, "opportunity")  # its own pass writes the opportunity too
    update(world, "Opportunity", opp, {"Description": "signed"})
    world.reset_counters()
    assert api.run_object(world.hub, "order").created == 0
    sl, _ = world.counters()
    assert data_writes(sl) == {}
    assert len(sap_docs(world, "Orders", opp)) == 1  # never twice


def test_quote_shipping_and_tax_become_freight_rows_and_totals_match(ready: World) -> None:
    world = ready
    account, _ = linked_account(world, 1)
    usd = entries(world, "USD")
    q = quote(world, account, "USD", [(usd[0], 2, 40.0, 0.0), (usd[1], 1, 19.99, 5.0)],
              "Draft")
    update(world, "Quote", q, {"ShippingHandling": 25.5, "Tax": 12.3, "Status": "Approved"})
    summary = api.run_object(world.hub, "quotation")
    assert (summary.created, summary.failed) == (0, 1)
    error = open_error(world, "quotation", q)
    assert error.error_code == "NO_FREIGHT_CODE"
    assert "has tax 12.30 (Tax) but no SAP freight code is set for it; set " \
           "tax_freight_code" in error.error_message

    _setting(world, "tax_freight_code", 2)
    [retry] = api.retry_errors(world.hub, object_name="quotation")
    assert (retry.created, retry.failed) == (1, 0)
    [doc] = sap_docs(world, "Quotations", q)
    assert [(e["ExpenseCode"], e["LineTotal"], e["TaxCode"])
            for e in doc["DocumentAdditionalExpenses"]] == [(1, 25.5, "EX"), (2, 12.3, "EX")]
    assert doc["BPL_IDAssignedToInvoice"] == BRANCH
    [row] = world.soql(f"SELECT TotalPrice, GrandTotal FROM Quote WHERE Id = '{q}'")
    assert doc["DocTotal"] == pytest.approx(row["GrandTotal"]) == 80 + 18.99 + 25.5 + 12.3
    assert sf_document(world, "Quote", q)["SAP_DocTotal__c"] == pytest.approx(row["GrandTotal"])

    update(world, "Quote", q, {"ShippingHandling": 30.0, "Tax": 0})
    assert api.run_object(world.hub, "quotation").updated == 1
    [after] = sap_docs(world, "Quotations", q)
    assert [(e["ExpenseCode"], e["LineTotal"], e["LineNum"])
            for e in after["DocumentAdditionalExpenses"]] == [
        (e["ExpenseCode"], total, e["LineNum"])
        for e, total in zip(doc["DocumentAdditionalExpenses"], (30.0, 0.0), strict=True)]
    [row] = world.soql(f"SELECT GrandTotal FROM Quote WHERE Id = '{q}'")
    assert after["DocTotal"] == pytest.approx(row["GrandTotal"]) == 128.99


def test_order_shipping_custom_field_is_the_shipping_freight(ready: World) -> None:
    world = ready
    account, _ = linked_account(world, 2)
    usd = entries(world, "USD")
    o = order(world, account, "USD", [(usd[2], 3, 11.0)], activate=False)
    update(world, "Order", o, {"Shipping__c": 7.25, "Status": "Activated"})
    assert api.run_object(world.hub, "order").created == 1
    [doc] = sap_docs(world, "Orders", o)
    assert [(e["ExpenseCode"], e["LineTotal"]) for e in doc["DocumentAdditionalExpenses"]] == [
        (1, 7.25)]
    [row] = world.soql(f"SELECT TotalAmount, Shipping__c FROM Order WHERE Id = '{o}'")
    assert doc["DocTotal"] == pytest.approx(row["TotalAmount"] + row["Shipping__c"]) == 40.25


def _price_list(world: World, card_code: str) -> int:
    [bp] = world.sap_rows("BusinessPartners", f"CardCode eq '{card_code}'",
                          ["CardCode", "PriceListNum"])
    return int(bp["PriceListNum"])


def _set_sap_price(world: World, item: str, price_list: int, price: float) -> None:
    with world.hub.service_layer() as sl:
        outcome = sl.update("Items", item, {"ItemPrices": [{"PriceList": price_list,
                                                            "Price": price}]})
    assert isinstance(outcome, Success), outcome


def test_line_without_any_price_is_an_error_until_sap_or_salesforce_has_one(
    ready: World,
) -> None:
    world = ready
    account, code = linked_account(world, 3)
    usd = entries(world, "USD")
    entry, item = usd[4], usd[4]["ItemCode"]
    price_list = _price_list(world, code)
    _set_sap_price(world, item, price_list, 0.0)
    first = order(world, account, "USD", [(usd[0], 1, 5.0), (entry, 2, 0.0)])
    second = order(world, account, "USD", [(entry, 1, 0.0)])

    summary = api.run_object(world.hub, "order")
    assert (summary.created, summary.failed) == (0, 2)
    for sf_id, line in ((first, 2), (second, 1)):
        error = open_error(world, "order", sf_id)
        assert error.error_code == "MISSING_PRICE"
        assert error.error_message.endswith(
            f"line {line}: no price for item {item} (price list {price_list} in SAP, and the "
            "Salesforce line has none) — set a price and retry")
    assert sap_docs(world, "Orders", first) == sap_docs(world, "Orders", second) == []

    [line] = world.soql(f"SELECT Id FROM OrderItem WHERE OrderId = '{second}'")
    update(world, "OrderItem", line["Id"], {"UnitPrice": 9.0})  # priced in Salesforce
    assert api.run_object(world.hub, "order").created == 1
    [doc] = sap_docs(world, "Orders", second)
    assert [ln["UnitPrice"] for ln in doc["DocumentLines"]] == [9.0]

    _set_sap_price(world, item, price_list, 42.0)  # or in SAP's price list
    [retry] = api.retry_errors(world.hub, object_name="order")
    assert (retry.created, retry.failed) == (1, 0)
    [doc] = sap_docs(world, "Orders", first)
    assert [ln["UnitPrice"] for ln in doc["DocumentLines"]] == [5.0, 42.0]
    assert doc["DocTotal"] == 89.0


def test_mapping_set_opportunity_maps_a_field_that_the_sync_then_carries(ready: World) -> None:
    world = ready
    done = subprocess.run([B1HUB, "mapping", "set", "opportunity", "--sap", "Remarks",
                           "--salesforce", "Description", "--integration",
                           world.hub.integration], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "opportunity: SAP Remarks <-> Salesforce Description (salesforce_to_sap" in \
        done.stdout
    refused = subprocess.run([B1HUB, "mapping", "set", "opportunity", "--sap", "NoSuchField",
                              "--salesforce", "Description"], capture_output=True, text=True,
                             check=False)
    assert refused.returncode != 0
    assert "SAP SalesOpportunities has no field 'NoSuchField'" in refused.stdout + refused.stderr

    account, _ = linked_account(world, 4)
    opp = create(world, "Opportunity", {"Name": "Mapped deal", "AccountId": account,
                                        "StageName": "Prospecting", "CloseDate": "2026-08-01",
                                        "Description": "Call back after the trade fair"})
    api.run_object(world.hub, "opportunity")
    [row] = world.sap_rows("SalesOpportunities", f"U_B1H_SFID eq '{opp}'",
                           ["OpportunityName", "Remarks"])
    assert row == {"OpportunityName": "Mapped deal", "Remarks": "Call back after the trade fair"}
