"""What is marked is what syncs SAP → Salesforce, with its Account Type, over HTTP.

Initialization links every matching customer, marked or not, so neither side is ever
duplicated; only marked ones are then written to Salesforce. Re-marking a customer with
another Account Type (`b1hub select customers --codes ... --account-type X`) updates the
account's Type on the next sync, though nothing changed in SAP.
"""

from __future__ import annotations

from typing import Any

import pytest
from e2e_world import ACCOUNT_TYPE, World, data_writes
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.store.types import InitStatus
from b1hub.sync import api

DATA = ["Name", "Phone", "Fax", "Website", "Description", "BillingStreet", "ShippingStreet",
        "Type", "SAP_LastSync__c", "SAP_SyncStatus__c"]
"""Fields only a SAP → Salesforce sync writes (linking writes just the cross-reference)."""
FIELDS = ", ".join(["Id", *DATA, "SAP_CardCode__c", "LastModifiedByClient"])
CHANNEL = "Customer - Channel"


def _accounts(world: World) -> dict[str, dict[str, Any]]:
    return {a["Id"]: a for a in world.soql(f"SELECT {FIELDS} FROM Account")}


@pytest.fixture(scope="module")
def initialized(world: World) -> dict[str, Any]:
    before = _accounts(world)
    summary = api.initialize(world.hub, "account")
    assert summary.status is InitStatus.DONE, summary
    unmarked = world.all_customers[len(world.customers):]
    with world.hub.repos() as repos:
        linked = {code: link.sf_id for code, link in repos.links.by_sap_keys(
            "account", unmarked).items()}
        marked = {code: link.sf_id for code, link in repos.links.by_sap_keys(
            "account", world.customers).items() if link.sf_id in before}
    return {"before": before, "unmarked_linked": linked, "marked_matched": marked}


def _select(code: str, account_type: str) -> None:
    result = CliRunner().invoke(app, ["select", "customers", "--codes", code,
                                      "--account-type", account_type])
    assert result.exit_code == 0, (result.output, result.exception)


def test_initialization_links_unmarked_customers_but_writes_only_marked_ones(
    world: World, initialized: dict[str, Any],
) -> None:
    before, linked = initialized["before"], initialized["unmarked_linked"]
    assert len(linked) >= 3, linked  # the seed has accounts for unmarked customers
    after = _accounts(world)
    for code, sf_id in linked.items():
        assert {f: after[sf_id][f] for f in DATA} == {f: before[sf_id][f] for f in DATA}, code
        assert after[sf_id]["SAP_CardCode__c"] in (None, code)  # at most the cross-reference
        assert before[sf_id]["SAP_LastSync__c"] is None
    matched = initialized["marked_matched"]
    assert matched
    for code, sf_id in matched.items():
        assert after[sf_id]["LastModifiedByClient"] == "b1hub", code
        assert after[sf_id]["Type"] == ACCOUNT_TYPE, code


def test_sap_edits_of_an_unmarked_customer_sync_only_once_it_is_marked(
    world: World, initialized: dict[str, Any],
) -> None:
    code, sf_id = sorted(initialized["unmarked_linked"].items())[0]
    untouched = _accounts(world)[sf_id]
    world.edit_partner(code, {"Phone1": "+1-555-088-0001"})
    world.reset_counters()

    summary = api.run_object(world.hub, "account")
    assert (summary.created, summary.updated, summary.failed) == (0, 0, 0), summary
    assert _accounts(world)[sf_id] == untouched
    assert data_writes(world.counters()[1]) == {}

    _select(code, CHANNEL)
    marked = api.run_object(world.hub, "account")
    assert (marked.created, marked.updated, marked.failed) == (0, 1, 0), marked
    account = _accounts(world)[sf_id]
    assert (account["Phone"], account["Type"]) == ("+1-555-088-0001", CHANNEL)


def test_re_marking_with_another_account_type_updates_the_account_type(
    world: World, initialized: dict[str, Any],
) -> None:
    code = world.customers[4]
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("account", code)
    assert link is not None
    api.run_object(world.hub, "account")
    assert _accounts(world)[link.sf_id]["Type"] == ACCOUNT_TYPE

    _select(code, CHANNEL)
    summary = api.run_object(world.hub, "account")
    assert (summary.updated, summary.failed) == (1, 0), summary
    assert _accounts(world)[link.sf_id]["Type"] == CHANNEL

    world.reset_counters()
    quiet = api.run_object(world.hub, "account")
    assert (quiet.created, quiet.updated, quiet.failed) == (0, 0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
