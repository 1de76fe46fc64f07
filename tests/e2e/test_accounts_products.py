"""Accounts and products end to end over HTTP: init, first load, quiet run, echo, errors."""

from __future__ import annotations

import pytest
from e2e_world import World

from b1hub.objects.udfs import SFID
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api

WRITE_PREFIXES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture(scope="module")
def initialized(world: World) -> World:
    for name in ("account", "product"):
        summary = api.initialize(world.hub, name)
        assert summary.status is InitStatus.DONE, summary
    return world


def test_sync_before_initialization_is_refused(world: World) -> None:
    with world.hub.repos() as repos:
        done = repos.objects.is_initialized("account")
    if not done:
        with pytest.raises(api.NotInitialized):
            api.run_object(world.hub, "account")


def test_every_marked_customer_is_in_salesforce_once_with_cross_references(
    initialized: World,
) -> None:
    world = initialized
    rows = world.soql("SELECT Id, SAP_CardCode__c, Name FROM Account "
                      "WHERE SAP_CardCode__c != null")
    by_code: dict[str, list[str]] = {}
    for row in rows:
        by_code.setdefault(row["SAP_CardCode__c"], []).append(row["Id"])
    with world.hub.service_layer() as sl:
        for code in world.customers:
            assert len(by_code.get(code, [])) == 1, code
            bp = sl.get("BusinessPartners", code, select=["CardCode", SFID])
            assert bp.data is not None and bp.data[SFID] == by_code[code][0]  # type: ignore[union-attr]


def test_every_marked_item_has_a_product_and_six_price_entries(initialized: World) -> None:
    world = initialized
    products = world.soql("SELECT Id, SAP_ItemCode__c, ProductCode FROM Product2 "
                          "WHERE SAP_ItemCode__c != null")
    codes = [p["SAP_ItemCode__c"] for p in products]
    for item in world.items:
        assert codes.count(item) == 1
    entries = world.soql("SELECT SAP_PriceKey__c FROM PricebookEntry "
                         "WHERE SAP_PriceKey__c != null")
    keys = {e["SAP_PriceKey__c"] for e in entries}
    for item in world.items:
        mine = {k for k in keys if k.startswith(f"{item}:")}
        assert len(mine) == 6, (item, mine)  # 3 currencies x (standard + custom book)


def test_second_sync_with_no_changes_is_quiet(initialized: World) -> None:
    world = initialized
    api.run_object(world.hub, "account")
    api.run_object(world.hub, "product")
    world.reset_counters()
    for name in ("account", "product"):
        summary = api.run_object(world.hub, name)
        assert (summary.created, summary.updated, summary.failed) == (0, 0, 0), summary
    sl, sf = world.counters()
    assert not [r for r in {**sl, **sf} if r.startswith(WRITE_PREFIXES) and "Login" not in r
                and "token" not in r and "Logout" not in r]
    sl_reads = sum(n for r, n in sl.items() if r.startswith("GET"))
    sf_reads = sum(n for r, n in sf.items() if r.startswith("GET"))
    assert sl_reads <= 4 and sf_reads <= 4, (sl, sf)  # <= 2 per object per system


def test_one_sap_change_is_one_salesforce_write_and_nothing_back(initialized: World) -> None:
    world = initialized
    code = world.customers[1]
    api.run_object(world.hub, "account")
    with world.hub.service_layer() as sl:
        assert sl.update("BusinessPartners", code, {"Phone1": "+1-555-000-1111"}).__class__ \
            .__name__ == "Success"
    world.reset_counters()
    summary = api.run_object(world.hub, "account")
    assert summary.updated == 1 and summary.status is RunStatus.SUCCEEDED
    sl, sf = world.counters()
    sf_writes = {r: n for r, n in sf.items() if r.startswith(("POST", "PATCH"))
                 and "token" not in r}
    sl_writes = {r: n for r, n in sl.items() if r.startswith(("POST", "PATCH"))
                 and "Login" not in r and "Logout" not in r}
    assert sum(sf_writes.values()) == 1, sf_writes
    assert sl_writes == {}, sl_writes
    row = world.soql(f"SELECT Phone FROM Account WHERE SAP_CardCode__c = '{code}'")
    assert row[0]["Phone"] == "+1-555-000-1111"
    again = api.run_object(world.hub, "account")
    assert (again.updated, again.created) == (0, 0)


def test_rejected_email_is_stored_clearly_and_retry_writes_it(initialized: World) -> None:
    world = initialized
    bad, good = world.customers[2], world.customers[3]
    api.run_object(world.hub, "account")
    with world.hub.service_layer() as sl:
        sl.update("BusinessPartners", bad, {"EmailAddress": "foo@"})
        sl.update("BusinessPartners", good, {"Phone1": "+1-555-000-2222"})
    summary = api.run_object(world.hub, "account")
    assert (summary.failed, summary.updated) == (1, 1), summary
    with world.hub.repos() as repos:
        errors = [o for o in repos.outcomes.open_errors("account") if o.sap_key == bad]
    assert len(errors) == 1
    message = errors[0].error_message or ""
    assert f"(SAP {bad})" in message and "Email__c" in message
    assert "INVALID_EMAIL_ADDRESS" in message and errors[0].payload is not None
    with world.hub.service_layer() as sl:
        sl.update("BusinessPartners", bad, {"EmailAddress": "fixed@example.com"})
    retried = api.retry_errors(world.hub, object_name="account")
    assert [s.updated for s in retried] == [1]
    with world.hub.repos() as repos:
        assert [o for o in repos.outcomes.open_errors("account") if o.sap_key == bad] == []
    row = world.soql(f"SELECT Email__c FROM Account WHERE SAP_CardCode__c = '{bad}'")
    assert row[0]["Email__c"] == "fixed@example.com"
