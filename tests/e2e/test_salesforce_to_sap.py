"""Salesforce → SAP for accounts over HTTP: creates, rejected records, conflict policies."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from e2e_world import ACCOUNT_TYPE, World, data_writes
from kill import kill_initialization

from b1hub.store.models import RecordOutcome
from b1hub.store.types import ConflictPolicy, Direction, InitStatus, RunStatus
from b1hub.sync import api

ADDRESS = {
    "BillingStreet": "1 Invoice Way", "BillingCity": "Springfield", "BillingPostalCode": "12345",
    "BillingCountry": "US", "ShippingStreet": "9 Dock Road", "ShippingCity": "Shelbyville",
    "ShippingPostalCode": "54321", "ShippingCountry": "US",
}


@pytest.fixture(scope="module")
def initialized(world: World) -> World:
    summary = api.initialize(world.hub, "account")
    assert summary.status is InitStatus.DONE, summary
    return world


@pytest.fixture
def policy(initialized: World) -> Iterator[None]:
    """Restore the general and object conflict policies after a test changes them."""
    yield
    with initialized.hub.repos() as repos:
        repos.settings.unset("conflict_policy")
        repos.objects.update("account", clear_conflict_policy=True)


def test_typed_account_becomes_a_customer_with_a_series_code(initialized: World) -> None:
    world = initialized
    typed = world.create_account({"Name": "Northwind Fresh Foods", "Type": ACCOUNT_TYPE,
                                  "Phone": "+1-555-010-0001", "Email__c": "buy@northwind.test",
                                  **ADDRESS})
    prospect = world.create_account({"Name": "Maybe Later Ltd", "Type": "Prospect",
                                     "Phone": "+1-555-010-0002"})
    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.created, summary.failed) == (RunStatus.SUCCEEDED, 1, 0)

    [partner] = world.partners_of(typed)
    assert re.fullmatch(r"SF\d{6}", partner["CardCode"]), partner["CardCode"]
    assert (partner["CardName"], partner["CardType"], partner["GroupCode"]) == (
        "Northwind Fresh Foods", "cCustomer", 100)
    assert (partner["Phone1"], partner["EmailAddress"]) == ("+1-555-010-0001",
                                                            "buy@northwind.test")
    assert partner["U_B1H_STATUS"] == "OK" and partner["U_B1H_SYNCED"]
    addresses = {a["AddressType"]: a for a in partner["BPAddresses"]}
    assert (addresses["bo_BillTo"]["AddressName"], addresses["bo_BillTo"]["City"]) == (
        "Bill To", "Springfield")
    assert (addresses["bo_ShipTo"]["AddressName"], addresses["bo_ShipTo"]["City"]) == (
        "Ship To", "Shelbyville")
    [account] = world.soql(f"SELECT SAP_CardCode__c, AccountNumber FROM Account "
                           f"WHERE Id = '{typed}'")
    assert account == {"SAP_CardCode__c": partner["CardCode"],
                       "AccountNumber": partner["CardCode"]}
    with world.hub.repos() as repos:
        link = repos.links.by_sf_id("account", typed)
        assert link is not None and link.sap_key == partner["CardCode"]

    assert world.partners_of(prospect) == []
    [other] = world.soql(f"SELECT SAP_CardCode__c FROM Account WHERE Id = '{prospect}'")
    assert other["SAP_CardCode__c"] is None

    second = world.create_account({"Name": "Southwind Grocers", "Type": ACCOUNT_TYPE})
    assert api.run_object(world.hub, "account").created == 1
    [next_partner] = world.partners_of(second)
    number = int(partner["CardCode"][2:])
    assert next_partner["CardCode"] == f"SF{number + 1:06d}"

    world.reset_counters()
    quiet = api.run_object(world.hub, "account")
    assert (quiet.created, quiet.updated, quiet.failed) == (0, 0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_name_too_long_for_sap_is_a_clear_error_and_retry_creates_it(
    initialized: World,
) -> None:
    world = initialized
    long_name = "Extraordinarily Verbose Holdings " + "x" * 87
    assert len(long_name) == 120
    bad = world.create_account({"Name": long_name, "Type": ACCOUNT_TYPE})
    good = world.create_account({"Name": "Concise Corp", "Type": ACCOUNT_TYPE})
    time.sleep(1.1)  # stamps are whole seconds: the failure must come a second later

    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.created, summary.failed) == (RunStatus.SUCCEEDED, 1, 1)
    assert len(world.partners_of(good)) == 1 and world.partners_of(bad) == []
    with world.hub.repos() as repos:
        [error] = [o for o in repos.outcomes.open_errors("account") if o.sf_id == bad]
    message = error.error_message or ""
    assert message.startswith(f"Account '{long_name}' (Salesforce {bad}): SAP rejected")
    assert "CardName" in message and "too long" in message, message
    assert error.error_fields == ["CardName"]
    assert error.payload is not None and error.payload["CardName"] == long_name

    again = api.run_object(world.hub, "account")
    assert (again.created, again.failed) == (0, 0)  # parked, not re-sent every run

    world.edit_account(bad, {"Name": "Extraordinarily Verbose Holdings"})
    retried = api.retry_errors(world.hub, object_name="account")
    assert [(s.created, s.failed) for s in retried] == [(1, 0)]
    [partner] = world.partners_of(bad)
    assert partner["CardName"] == "Extraordinarily Verbose Holdings"
    with world.hub.repos() as repos:
        assert [o for o in repos.outcomes.open_errors("account") if o.sf_id == bad] == []
    [account] = world.soql(f"SELECT SAP_CardCode__c FROM Account WHERE Id = '{bad}'")
    assert account["SAP_CardCode__c"] == partner["CardCode"]


def _linked_pair(world: World, index: int) -> tuple[str, str]:
    code = world.customers[index]
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("account", code)
        assert link is not None
        return code, link.sf_id


def _phones(world: World, code: str, sf_id: str) -> tuple[str, str]:
    [partner] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'", ["Phone1"])
    [account] = world.soql(f"SELECT Phone FROM Account WHERE Id = '{sf_id}'")
    return partner["Phone1"], account["Phone"]


@pytest.mark.parametrize(("policy_name", "where", "winner"), [
    (ConflictPolicy.SAP_WINS, "object", "sap"),
    (ConflictPolicy.SALESFORCE_WINS, "object", "salesforce"),
    (ConflictPolicy.SAP_WINS, "general", "sap"),
    (ConflictPolicy.SALESFORCE_WINS, "general", "salesforce"),
])
def test_field_edited_on_both_sides_goes_to_the_policy_winner(
    initialized: World, policy: None, policy_name: ConflictPolicy, where: str, winner: str,
) -> None:
    world = initialized
    code, sf_id = _linked_pair(world, 5)
    api.run_object(world.hub, "account")
    with world.hub.repos() as repos:
        if where == "object":
            repos.settings.set("conflict_policy", ConflictPolicy.REVIEW.value)
            repos.objects.update("account", conflict_policy=policy_name)
        else:
            repos.settings.set("conflict_policy", policy_name.value)
    sap_value = f"+1-555-{len(where)}{len(winner)}1-0001"
    sf_value = f"+1-555-{len(where)}{len(winner)}2-0002"
    world.edit_partner(code, {"Phone1": sap_value})
    world.edit_account(sf_id, {"Phone": sf_value})

    summary = api.run_object(world.hub, "account")
    assert (summary.updated, summary.held, summary.failed) == (1, 0, 0), summary
    expected = sap_value if winner == "sap" else sf_value
    assert _phones(world, code, sf_id) == (expected, expected)
    quiet = api.run_object(world.hub, "account")
    assert (quiet.updated, quiet.created) == (0, 0)
    assert _phones(world, code, sf_id) == (expected, expected)


def test_review_policy_holds_the_conflict_and_writes_neither_side(
    initialized: World, policy: None,
) -> None:
    world = initialized
    code, sf_id = _linked_pair(world, 6)
    api.run_object(world.hub, "account")
    with world.hub.repos() as repos:
        repos.objects.update("account", conflict_policy=ConflictPolicy.REVIEW)
    world.edit_partner(code, {"Phone1": "+1-555-030-0001"})
    world.edit_account(sf_id, {"Phone": "+1-555-030-0002"})
    world.reset_counters()

    summary = api.run_object(world.hub, "account")
    assert (summary.held, summary.updated) == (1, 0), summary
    assert _phones(world, code, sf_id) == ("+1-555-030-0001", "+1-555-030-0002")
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
    with world.hub.repos() as repos:
        [conflict] = [c for c in repos.conflicts.open("account") if c.sap_key == code]
        assert conflict.sf_id == sf_id
        assert conflict.sap_version["phone"] == "+1-555-030-0001"
        assert conflict.sf_version["phone"] == "+1-555-030-0002"
        [held] = [o for o in repos.outcomes.open_errors("account") if o.sap_key == code]
        assert "held for review" in (held.error_message or "")


def _open_errors_of(world: World, code: str, sf_id: str) -> list[RecordOutcome]:
    with world.hub.repos() as repos:
        return [o for o in repos.outcomes.open_errors("account")
                if o.sap_key == code or o.sf_id == sf_id]


def _rejected_phone_settled_with_a_sap_edit(world: World, index: int) -> tuple[str, str, int]:
    """A Salesforce phone SAP rejects, edited while SAP changed the same partner: the SAP
    pass settles the pair and stores the error under the SAP record."""
    code, sf_id = _linked_pair(world, index)
    api.run_object(world.hub, "account")
    world.edit_partner(code, {"Fax": f"+1-555-066-00{index:02d}"})
    world.edit_account(sf_id, {"Phone": "+1 555 0100 0200 0300 0400"})
    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.failed) == (RunStatus.SUCCEEDED, 1), summary
    [error] = _open_errors_of(world, code, sf_id)
    assert (error.direction, error.sap_key, error.sf_id) == (
        Direction.SAP_TO_SALESFORCE, code, sf_id)
    assert "Phone1" in (error.error_message or "") and "too long" in (error.error_message or "")
    return code, sf_id, error.id


def test_retry_of_a_rejected_salesforce_edit_of_a_linked_pair_writes_the_fix_to_sap(
    initialized: World,
) -> None:
    """Regression: the retry read only the SAP side, merged it with the base and wrote
    nothing (updated 0, the error left open)."""
    world = initialized
    code, sf_id, error_id = _rejected_phone_settled_with_a_sap_edit(world, 8)
    world.edit_account(sf_id, {"Phone": "+1 555 0108"})

    retried = api.retry_errors(world.hub, outcome_ids=[error_id])
    assert [(s.status, s.updated, s.failed) for s in retried] == [
        (RunStatus.SUCCEEDED, 1, 0)], retried
    assert _phones(world, code, sf_id) == ("+1 555 0108", "+1 555 0108")
    assert _open_errors_of(world, code, sf_id) == []


def test_retry_of_an_edit_set_back_to_the_synced_value_closes_the_error(
    initialized: World,
) -> None:
    """Nothing is left to write once the Salesforce edit is undone: the retry finds the
    pair in sync and closes the error (counted as skipped) without writing."""
    world = initialized
    code, sf_id = _linked_pair(world, 9)
    synced_phone, _ = _phones(world, code, sf_id)
    code, sf_id, error_id = _rejected_phone_settled_with_a_sap_edit(world, 9)
    world.edit_account(sf_id, {"Phone": synced_phone})
    world.reset_counters()

    retried = api.retry_errors(world.hub, outcome_ids=[error_id])
    assert [(s.status, s.updated, s.skipped, s.failed) for s in retried] == [
        (RunStatus.SUCCEEDED, 0, 1, 0)], retried
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
    assert _phones(world, code, sf_id) == (synced_phone, synced_phone)
    assert _open_errors_of(world, code, sf_id) == []


def test_a_customer_created_by_a_run_killed_before_linking_it_is_adopted_not_lost(
    initialized: World, stale_fast: None
) -> None:
    """The run dies while telling Salesforce the new partner's code (the write lands, its
    answer does not): the partner it made is linked, not lost nor made again."""
    world = initialized
    api.run_object(world.hub, "account")  # nothing else pending
    account = world.create_account({"Name": "Killed Midway GmbH", "Type": ACCOUNT_TYPE})
    kill_initialization(world, "account", {"match": "PATCH */composite/sobjects",
                                           "action": "late_answer", "latency_ms": 8000,
                                           "remaining": 1},
                        "the write of the new partner's code", action="run_object")
    [partner] = world.partners_of(account)
    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.failed) == (RunStatus.SUCCEEDED, 0), summary
    assert world.partners_of(account) == [partner]  # adopted, not made again
    with world.hub.repos() as repos:
        link = repos.links.by_sf_id("account", account)
    assert link is not None and link.sap_key == partner["CardCode"]
    [row] = world.soql(f"SELECT SAP_CardCode__c FROM Account WHERE Id = '{account}'")
    assert row["SAP_CardCode__c"] == partner["CardCode"]
