"""Quotes and orders from the Salesforce sandbox into the SAP sandbox, and back, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from doc_world import create as _create
from doc_world import entries as _entries
from doc_world import linked_account as _linked_account
from doc_world import open_error as _open_error
from doc_world import order as _order
from doc_world import quote as _quote
from doc_world import sap_docs as _sap_docs
from doc_world import sf_document as _sf
from doc_world import update as _update
from e2e_world import World, data_writes

from b1hub.connectors.outcomes import Success
from b1hub.store.types import InitStatus, OutcomeStatus, RunStatus
from b1hub.sync import api


@pytest.fixture(scope="module")
def ready(world: World) -> World:
    for name in ("account", "product"):
        assert api.initialize(world.hub, name).status is InitStatus.DONE
    with world.hub.repos() as repos:
        repos.settings.set("multi_currency", True)
        repos.settings.set("payment_terms", 2)
        repos.settings.set("exempt_tax_code", "EX")
    return world


@pytest.fixture(autouse=True)
def _no_faults(world: World) -> Iterator[None]:
    yield
    world.sl_admin.delete("/_sandbox/faults")
    world.sf_admin.delete("/_sandbox/faults")


def test_activated_multi_currency_order_becomes_one_sap_order_and_numbers_come_back(
    ready: World,
) -> None:
    world = ready
    account, code = _linked_account(world)
    eur = _entries(world, "EUR")
    order = _order(world, account, "EUR", [(eur[0], 3, 120.5), (eur[1], 2, 99.99)])
    draft = _order(world, account, "EUR", [(eur[0], 1, 10.0)], activate=False)

    summary = api.run_object(world.hub, "order")
    assert (summary.status, summary.created, summary.failed) == (RunStatus.SUCCEEDED, 1, 0)

    [doc] = _sap_docs(world, "Orders", order)
    assert (doc["CardCode"], doc["DocCurrency"], doc["PaymentGroupCode"]) == (code, "EUR", 2)
    lines = [(ln["ItemCode"], ln["Quantity"], ln["UnitPrice"], ln["TaxCode"])
             for ln in doc["DocumentLines"]]
    assert lines == [(eur[0]["ItemCode"], 3.0, 120.5, "EX"), (eur[1]["ItemCode"], 2.0, 99.99,
                                                             "EX")]
    [sf_total] = world.soql(f"SELECT TotalAmount FROM Order WHERE Id = '{order}'")
    assert doc["DocTotal"] == pytest.approx(sf_total["TotalAmount"]) == 561.48
    assert _sf(world, "Order", order) == {
        "SAP_DocEntry__c": str(doc["DocEntry"]), "SAP_DocNum__c": str(doc["DocNum"]),
        "SAP_Status__c": "Open", "SAP_DocTotal__c": 561.48, "SAP_SyncStatus__c": "OK"}
    assert _sap_docs(world, "Orders", draft) == []

    world.reset_counters()
    quiet = api.run_object(world.hub, "order")
    assert (quiet.created, quiet.updated, quiet.failed, quiet.waiting) == (0, 0, 0, 0)
    sl, sf = world.counters()
    assert (data_writes(sl), data_writes(sf)) == ({}, {})

    _update(world, "Order", draft, {"Status": "Activated"})
    assert api.run_object(world.hub, "order").created == 1
    assert len(_sap_docs(world, "Orders", draft)) == 1


def test_discounted_quote_is_merged_by_line_on_update_never_duplicated(ready: World) -> None:
    world = ready
    account, _ = _linked_account(world, 1)
    cad = _entries(world, "CAD")
    quote = _quote(world, account, "CAD", [(cad[0], 4, 50.0, 10.0), (cad[1], 1, 80.0, 0.0),
                                           (cad[2], 2, 15.0, 0.0)], "Approved")
    assert api.run_object(world.hub, "quotation").created == 1
    [doc] = _sap_docs(world, "Quotations", quote)
    assert doc["DocCurrency"] == "CAD"
    assert [(ln["ItemCode"], ln["DiscountPercent"]) for ln in doc["DocumentLines"]] == [
        (cad[0]["ItemCode"], 10.0), (cad[1]["ItemCode"], 0.0), (cad[2]["ItemCode"], 0.0)]
    [row] = world.soql(f"SELECT TotalPrice FROM Quote WHERE Id = '{quote}'")
    assert doc["DocTotal"] == pytest.approx(row["TotalPrice"]) == 290.0
    numbers = {ln["ItemCode"]: ln["LineNum"] for ln in doc["DocumentLines"]}

    items = world.soql(f"SELECT Id, Quantity FROM QuoteLineItem WHERE QuoteId = '{quote}' "
                       "ORDER BY Id")
    _update(world, "QuoteLineItem", items[0]["Id"], {"Quantity": 6})
    with world.salesforce_user() as sf:
        deleted = sf.transport.send("DELETE", f"{sf.conn.data_path}/sobjects/QuoteLineItem/"
                                    f"{items[2]['Id']}", kind="delete", idempotent=True)
    assert deleted.status_code == 204
    _create(world, "QuoteLineItem", {"QuoteId": quote, "PricebookEntryId": cad[3]["Id"],
                                     "Quantity": 1, "UnitPrice": 5.0, "Discount": 0})
    summary = api.run_object(world.hub, "quotation")
    assert (summary.created, summary.updated, summary.failed) == (0, 1, 0)
    [doc] = _sap_docs(world, "Quotations", quote)
    got = [(ln["ItemCode"], ln["Quantity"], ln["LineNum"]) for ln in doc["DocumentLines"]]
    assert got[:2] == [(cad[0]["ItemCode"], 6.0, numbers[cad[0]["ItemCode"]]),
                       (cad[1]["ItemCode"], 1.0, numbers[cad[1]["ItemCode"]])]
    assert [(c, q) for c, q, _ in got[2:]] == [(cad[3]["ItemCode"], 1.0)]
    [row] = world.soql(f"SELECT TotalPrice FROM Quote WHERE Id = '{quote}'")
    assert doc["DocTotal"] == pytest.approx(row["TotalPrice"]) == 355.0
    assert _sf(world, "Quote", quote)["SAP_DocTotal__c"] == 355.0
    assert api.run_object(world.hub, "quotation").updated == 0


def test_closed_sap_document_is_not_changed_and_salesforce_says_why(ready: World) -> None:
    world = ready
    account, _ = _linked_account(world, 2)
    usd = _entries(world, "USD")
    quote = _quote(world, account, "USD", [(usd[0], 1, 100.0, 0.0)], "Accepted")
    assert api.run_object(world.hub, "quotation").created == 1
    [doc] = _sap_docs(world, "Quotations", quote)
    with world.hub.service_layer() as sl:
        assert isinstance(sl.action("Quotations", str(doc["DocEntry"]), "Close"), Success)
    [item] = world.soql(f"SELECT Id FROM QuoteLineItem WHERE QuoteId = '{quote}'")
    _update(world, "QuoteLineItem", item["Id"], {"Quantity": 9})

    summary = api.run_object(world.hub, "quotation")
    assert summary.failed == 1
    [after] = _sap_docs(world, "Quotations", quote)
    assert after["DocumentLines"][0]["Quantity"] == 1.0
    error = _open_error(world, "quotation", quote)
    assert error.error_code == "DOCUMENT_CLOSED"
    assert f"SAP sales quotation {doc['DocNum']} is closed" in error.error_message
    shown = _sf(world, "Quote", quote)
    assert shown["SAP_Status__c"] == "Closed"
    assert shown["SAP_SyncStatus__c"].startswith(
        f"Not updated: SAP sales quotation {doc['DocNum']} is closed")

    with world.hub.service_layer() as sl:
        assert isinstance(sl.action("Quotations", str(doc["DocEntry"]), "Reopen"), Success)
    [retry] = api.retry_errors(world.hub, object_name="quotation")
    assert (retry.updated, retry.failed) == (1, 0)
    [after] = _sap_docs(world, "Quotations", quote)
    assert after["DocumentLines"][0]["Quantity"] == 9.0
    assert _sf(world, "Quote", quote)["SAP_SyncStatus__c"] == "OK"


def test_unknown_product_is_an_error_naming_its_code_until_the_item_exists(
    ready: World,
) -> None:
    world = ready
    account, _ = _linked_account(world, 3)
    usd = _entries(world, "USD")
    product = _create(world, "Product2", {"Name": "Mystery gadget", "ProductCode": "ZZ-NEW-1",
                                          "IsActive": True})
    [standard] = world.soql("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    _create(world, "PricebookEntry", {"Pricebook2Id": standard["Id"], "Product2Id": product,
                                      "UnitPrice": 7.0, "IsActive": True,
                                      "CurrencyIsoCode": "USD"})
    entry = _create(world, "PricebookEntry", {"Pricebook2Id": usd[0]["Pricebook2Id"],
                                              "Product2Id": product, "UnitPrice": 7.0,
                                              "IsActive": True, "CurrencyIsoCode": "USD"})
    order = _order(world, account, "USD", [(usd[0], 1, 10.0),
                                          ({"Id": entry, "Pricebook2Id": usd[0]["Pricebook2Id"]},
                                           5, 7.0)])
    summary = api.run_object(world.hub, "order")
    assert (summary.created, summary.failed) == (0, 1)
    error = _open_error(world, "order", order)
    assert error.error_code == "UNKNOWN_PRODUCT"
    assert "line 2: product 'ZZ-NEW-1' is unknown in SAP" in error.error_message
    assert _sap_docs(world, "Orders", order) == []

    with world.hub.service_layer() as sl:
        assert isinstance(sl.create("Items", {"ItemCode": "ZZ-NEW-1", "ItemName": "Mystery"},
                                    "ZZ-NEW-1"), Success)
    [retry] = api.retry_errors(world.hub, object_name="order")
    assert (retry.created, retry.failed) == (1, 0)
    [doc] = _sap_docs(world, "Orders", order)
    assert [ln["ItemCode"] for ln in doc["DocumentLines"]] == [usd[0]["ItemCode"], "ZZ-NEW-1"]


def test_order_of_an_unsynced_account_waits_and_names_it_then_syncs(ready: World) -> None:
    world = ready
    prospect = world.create_account({"Name": "Late Joiner Inc", "Type": "Prospect"})
    usd = _entries(world, "USD")
    order = _order(world, prospect, "USD", [(usd[1], 2, 30.0)])
    summary = api.run_object(world.hub, "order")
    assert (summary.created, summary.waiting) == (0, 1)
    waiting = _open_error(world, "order", order)
    assert waiting.status is OutcomeStatus.WAITING
    assert f"waits for its account (Salesforce {prospect})" in waiting.error_message
    assert api.run_object(world.hub, "order").waiting == 1  # read again, still waiting

    world.edit_account(prospect, {"Type": "Customer - Direct"})
    assert api.run_object(world.hub, "account").created == 1
    [partner] = world.partners_of(prospect)
    assert api.run_object(world.hub, "order").created == 1
    [doc] = _sap_docs(world, "Orders", order)
    assert doc["CardCode"] == partner["CardCode"]


def test_document_created_before_a_crash_is_adopted_not_created_again(ready: World) -> None:
    world = ready
    account, code = _linked_account(world, 4)
    usd = _entries(world, "USD")
    order = _order(world, account, "USD", [(usd[2], 1, 12.0), (usd[3], 2, 8.0)])
    body = {"CardCode": code, "NumAtCard": order, "DocumentLines": [
        {"ItemCode": usd[2]["ItemCode"], "Quantity": 1, "UnitPrice": 12.0},
        {"ItemCode": usd[3]["ItemCode"], "Quantity": 2, "UnitPrice": 8.0}]}
    with world.hub.service_layer() as sl:  # what an interrupted run had written
        assert isinstance(sl.create("Orders", body, order), Success)
    summary = api.run_object(world.hub, "order")
    assert (summary.created, summary.failed) == (0, 0)
    [doc] = _sap_docs(world, "Orders", order)
    assert len(doc["DocumentLines"]) == 2
    assert _sf(world, "Order", order)["SAP_DocEntry__c"] == str(doc["DocEntry"])
