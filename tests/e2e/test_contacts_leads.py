"""Contacts and leads over HTTP: siblings untouched, conflict policies, lead conversion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_world import World, data_writes
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.connectors.outcomes import Success
from b1hub.store.types import ConflictPolicy, InitStatus, RunStatus
from b1hub.sync import api

CONTACT_FIELDS = "Id, FirstName, LastName, Title, Email, LastModifiedDate, SAP_ContactKey__c"


@pytest.fixture(scope="module")
def initialized(world: World) -> World:
    for name in ("account", "contact", "lead"):
        summary = api.initialize(world.hub, name)
        assert summary.status is InitStatus.DONE, summary
    return world


@pytest.fixture
def policy(initialized: World) -> Iterator[None]:
    yield
    with initialized.hub.repos() as repos:
        repos.objects.update("contact", clear_conflict_policy=True)


def _partner(world: World, code: str) -> dict[str, Any]:
    [row] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'",
                           ["CardCode", "CardName", "CardType", "ContactEmployees"])
    return row


def _account_of(world: World, code: str) -> str:
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("account", code)
        assert link is not None
        return link.sf_id


def _contacts(world: World, account_id: str) -> dict[str, dict[str, Any]]:
    rows = world.soql(f"SELECT {CONTACT_FIELDS} FROM Contact WHERE AccountId = '{account_id}'")
    return {r["Id"]: r for r in rows}


def _patch_members(world: World, code: str, members: list[dict[str, Any]]) -> None:
    world.edit_partner(code, {"ContactEmployees": members})


def _edit_contact(world: World, sf_id: str, values: dict[str, Any]) -> None:
    with world.salesforce_user() as sf:
        outcome = sf.update("Contact", sf_id, values, sf_id)
    assert isinstance(outcome, Success), outcome


def _contact_link(world: World, key: str) -> str:
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("contact", key)
        assert link is not None, key
        return link.sf_id


def test_initialization_links_existing_contacts_without_duplicates(initialized: World) -> None:
    world = initialized
    code = world.customers[0]
    partner = _partner(world, code)
    account_id = _account_of(world, code)
    contacts = _contacts(world, account_id)
    keys = {f"{code}:{m['InternalCode']}" for m in partner["ContactEmployees"]}
    assert {c["SAP_ContactKey__c"] for c in contacts.values()} == keys
    assert len(contacts) == len(keys)

    world.reset_counters()
    quiet = api.run_object(world.hub, "contact")
    assert (quiet.status, quiet.created, quiet.updated, quiet.failed) == (
        RunStatus.SUCCEEDED, 0, 0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_rename_updates_the_same_contact_and_a_new_person_makes_one_contact(
    initialized: World,
) -> None:
    world = initialized
    code = next(c for c in world.customers[1:] if len(_partner(world, c)["ContactEmployees"]) >= 2)
    members = _partner(world, code)["ContactEmployees"]
    account_id = _account_of(world, code)
    before = _contacts(world, account_id)
    renamed, sibling = members[0], members[1]
    renamed_id = _contact_link(world, f"{code}:{renamed['InternalCode']}")
    sibling_id = _contact_link(world, f"{code}:{sibling['InternalCode']}")

    _patch_members(world, code, [{"InternalCode": renamed["InternalCode"],
                                  "FirstName": "Renamed", "Name": "Renamed Person"}])
    world.reset_counters()
    summary = api.run_object(world.hub, "contact")
    assert (summary.created, summary.updated, summary.failed) == (0, 1, 0), summary
    after = _contacts(world, account_id)
    assert set(after) == set(before)
    assert after[renamed_id]["FirstName"] == "Renamed"
    assert after[sibling_id] == before[sibling_id]
    sl, sf = world.counters()
    assert data_writes(sl) == {}, sl
    assert sum(data_writes(sf).values()) == 1, sf

    sap_before = {m["InternalCode"]: m for m in _partner(world, code)["ContactEmployees"]}
    _patch_members(world, code, [{"Name": "Newcomer Two", "FirstName": "Newcomer",
                                  "LastName": "Two", "E_Mail": "newcomer@two.test"}])
    added = api.run_object(world.hub, "contact")
    assert (added.created, added.updated, added.failed) == (1, 0, 0), added
    final = _contacts(world, account_id)
    [new_id] = set(final) - set(after)
    assert final[new_id]["LastName"] == "Two" and final[new_id]["Email"] == "newcomer@two.test"
    assert {i: final[i] for i in after} == after
    sap_after = {m["InternalCode"]: m for m in _partner(world, code)["ContactEmployees"]}
    for number, member in sap_before.items():
        assert (sap_after[number]["UpdateDate"], sap_after[number]["UpdateTime"]) == (
            member["UpdateDate"], member["UpdateTime"])
    [new_member] = [m for n, m in sap_after.items() if n not in sap_before]
    assert final[new_id]["SAP_ContactKey__c"] == f"{code}:{new_member['InternalCode']}"


def test_contact_created_in_salesforce_becomes_one_contact_person(initialized: World) -> None:
    world = initialized
    code = world.customers[3]
    account_id = _account_of(world, code)
    with world.salesforce_user() as sf:
        outcome = sf.create("Contact", {"AccountId": account_id, "FirstName": "Sally",
                                        "LastName": "Forcewright", "Title": "Buyer"}, "new")
    assert isinstance(outcome, Success) and outcome.remote_id
    before = len(_partner(world, code)["ContactEmployees"])
    summary = api.run_object(world.hub, "contact")
    assert (summary.created, summary.failed) == (1, 0), summary
    members = _partner(world, code)["ContactEmployees"]
    assert len(members) == before + 1
    [member] = [m for m in members if m.get("LastName") == "Forcewright"]
    assert (member["FirstName"], member["Position"]) == ("Sally", "Buyer")
    [row] = world.soql(f"SELECT SAP_ContactKey__c FROM Contact WHERE Id = '{outcome.remote_id}'")
    assert row["SAP_ContactKey__c"] == f"{code}:{member['InternalCode']}"
    again = api.run_object(world.hub, "contact")
    assert (again.created, again.updated) == (0, 0), again


@pytest.mark.parametrize(("policy_name", "expected"), [
    (ConflictPolicy.SAP_WINS, "SAP Title"),
    (ConflictPolicy.SALESFORCE_WINS, "SF Title"),
    (ConflictPolicy.NEWEST_WINS, "SF Title"),
])
def test_contact_edited_on_both_sides_goes_to_the_policy_winner(
    initialized: World, policy: None, policy_name: ConflictPolicy, expected: str,
) -> None:
    world = initialized
    index = {ConflictPolicy.SAP_WINS: 4, ConflictPolicy.SALESFORCE_WINS: 5,
             ConflictPolicy.NEWEST_WINS: 6}[policy_name]
    code = world.customers[index]
    member = _partner(world, code)["ContactEmployees"][0]
    key = f"{code}:{member['InternalCode']}"
    sf_id = _contact_link(world, key)
    with world.hub.repos() as repos:
        repos.objects.update("contact", conflict_policy=policy_name)
    _patch_members(world, code, [{"InternalCode": member["InternalCode"],
                                  "Position": "SAP Title"}])
    if policy_name is ConflictPolicy.NEWEST_WINS:
        import time
        time.sleep(1.1)  # both stamps are whole seconds
    _edit_contact(world, sf_id, {"Title": "SF Title"})
    summary = api.run_object(world.hub, "contact")
    assert (summary.status, summary.failed, summary.held) == (RunStatus.SUCCEEDED, 0, 0)
    [row] = world.soql(f"SELECT Title FROM Contact WHERE Id = '{sf_id}'")
    [sap] = [m for m in _partner(world, code)["ContactEmployees"]
             if m["InternalCode"] == member["InternalCode"]]
    assert (row["Title"], sap["Position"]) == (expected, expected)
    with world.hub.repos() as repos:
        [logged] = [c for c in repos.conflicts.history("contact") if c.sap_key == key]
    assert logged.resolved_by == f"policy:{policy_name.value}"
    assert (logged.sap_version, logged.sf_version) == ({"position": "SAP Title"},
                                                       {"position": "SF Title"})
    world.reset_counters()
    api.run_object(world.hub, "contact")
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_review_holds_until_resolved_through_the_cli(initialized: World, policy: None) -> None:
    world = initialized
    code = world.customers[7]
    member = _partner(world, code)["ContactEmployees"][0]
    key = f"{code}:{member['InternalCode']}"
    sf_id = _contact_link(world, key)
    with world.hub.repos() as repos:
        repos.objects.update("contact", conflict_policy=ConflictPolicy.REVIEW)
    _patch_members(world, code, [{"InternalCode": member["InternalCode"],
                                  "MobilePhone": "+1-555-000-1111"}])
    _edit_contact(world, sf_id, {"MobilePhone": "+1-555-000-2222"})
    for _ in range(2):
        summary = api.run_object(world.hub, "contact")
        assert (summary.held, summary.updated) == (1, 0), summary
    runner = CliRunner()
    listed = runner.invoke(app, ["conflicts", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    import json
    [conflict] = [c for c in json.loads(listed.stdout) if c["sap_key"] == key]
    assert conflict["fields"] == ["mobile"]
    assert (conflict["sap"]["mobile"], conflict["salesforce"]["mobile"]) == (
        "+1-555-000-1111", "+1-555-000-2222")
    [row] = world.soql(f"SELECT MobilePhone FROM Contact WHERE Id = '{sf_id}'")
    assert row["MobilePhone"] == "+1-555-000-2222"  # held: nothing written yet

    done = runner.invoke(app, ["conflicts", "resolve", str(conflict["id"]), "--take",
                               "salesforce", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "succeeded"
    [sap] = [m for m in _partner(world, code)["ContactEmployees"]
             if m["InternalCode"] == member["InternalCode"]]
    assert sap["MobilePhone"] == "+1-555-000-2222"
    again = runner.invoke(app, ["conflicts", "resolve", str(conflict["id"]), "--take", "sap"])
    assert again.exit_code == 1 and "already resolved" in again.output
    world.reset_counters()
    quiet = api.run_object(world.hub, "contact")
    assert (quiet.held, quiet.updated) == (0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def _lead_pair(world: World) -> tuple[str, str]:
    with world.hub.repos() as repos:
        links = repos.links.page("lead", limit=1000)
    for link in links:
        partner = _partner(world, link.sap_key)
        if link.sap_key.startswith("L") and partner["ContactEmployees"]:
            return link.sap_key, link.sf_id
    raise AssertionError("no linked SAP lead with contact persons")


def test_converting_a_lead_in_salesforce_makes_the_sap_lead_a_customer(
    initialized: World,
) -> None:
    world = initialized
    code, lead_id = _lead_pair(world)
    with world.salesforce_user() as sf:
        response = sf.transport.send("POST", "/services/apexrest/b1hub/leadconvert",
                                     kind="create", idempotent=False,
                                     json={"leadId": lead_id, "doNotCreateOpportunity": True})
    assert response.status_code == 200, response.text
    converted = response.json()
    summary = api.run_object(world.hub, "lead")
    assert (summary.status, summary.failed) == (RunStatus.SUCCEEDED, 0), summary
    partner = _partner(world, code)
    assert partner["CardType"] == "cCustomer"
    assert world.sap_rows("BusinessPartners", f"CardName eq '{partner['CardName']}'",
                          ["CardCode"]) == [{"CardCode": code}]
    accounts = world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'")
    assert accounts == [{"Id": converted["accountId"]}]
    with world.hub.repos() as repos:
        account = repos.links.by_sap_key("account", code)
        contact = repos.links.by_sf_id("contact", converted["contactId"])
    assert account is not None and account.sf_id == converted["accountId"]
    assert contact is not None and contact.sap_key.startswith(f"{code}:")
    for name in ("account", "contact", "lead"):
        api.run_object(world.hub, name)
    assert world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'") == accounts
    keys = {f"{code}:{m['InternalCode']}" for m in _partner(world, code)["ContactEmployees"]}
    contacts = _contacts(world, converted["accountId"])
    assert {c["SAP_ContactKey__c"] for c in contacts.values()} == keys
    assert len(contacts) == len(keys)
    world.reset_counters()
    for name in ("account", "contact", "lead"):
        api.run_object(world.hub, name)
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_sap_lead_turned_customer_converts_the_salesforce_lead(initialized: World) -> None:
    world = initialized
    code, lead_id = _lead_pair(world)
    world.edit_partner(code, {"CardType": "cCustomer"})
    summary = api.run_object(world.hub, "lead")
    assert (summary.status, summary.failed) == (RunStatus.SUCCEEDED, 0), summary
    [lead] = world.soql(f"SELECT IsConverted, ConvertedAccountId FROM Lead "
                        f"WHERE Id = '{lead_id}'")
    assert lead["IsConverted"] is True
    assert world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'") == [
        {"Id": lead["ConvertedAccountId"]}]
    world.edit_partner(code, {"Phone1": "+1-555-999-0000"})
    world.reset_counters()
    again = api.run_object(world.hub, "lead")
    assert (again.failed, again.updated) == (0, 0), again
    _, sf = world.counters()
    assert not any(r.startswith(("PATCH", "POST")) and "Lead" in r
                   for r in data_writes(sf)), sf
