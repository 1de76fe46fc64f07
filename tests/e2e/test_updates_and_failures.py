"""Salesforce → SAP updates over HTTP: addresses updated in place, mapping errors stored,
and a run that meets an unexpected failure finished as failed, its object free again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_world import ACCOUNT_TYPE, World, data_writes

from b1hub.connectors.outcomes import Success
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import Direction, InitStatus, OutcomeStatus, RunStatus
from b1hub.sync import api

ADDRESS_FIELDS = ["CardCode", "Phone1", "BPAddresses"]


@pytest.fixture(scope="module")
def initialized(world: World) -> World:
    summary = api.initialize(world.hub, "account")
    assert summary.status is InitStatus.DONE, summary
    return world


def _pair(world: World, index: int) -> tuple[str, str]:
    code = world.customers[index]
    return code, _pair_of(world, code)


def _pair_of(world: World, code: str) -> str:
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("account", code)
    assert link is not None
    return link.sf_id


def _partner(world: World, code: str) -> dict[str, Any]:
    [partner] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'", ADDRESS_FIELDS)
    return partner


def _addresses(partner: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(a["AddressType"], a["AddressName"], a["RowNum"], a["Street"], a["City"])
            for a in partner["BPAddresses"]]


def test_edited_addresses_update_the_existing_sap_addresses(initialized: World) -> None:
    world = initialized
    code, sf_id = _pair(world, 2)
    before = _addresses(_partner(world, code))
    assert [a[:3] for a in before] == [("bo_BillTo", "Bill To", 0), ("bo_ShipTo", "Ship To", 1)]

    world.edit_account(sf_id, {"BillingCity": "Springfield", "ShippingStreet": "9 Dock Road"})
    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.updated, summary.failed) == (RunStatus.SUCCEEDED, 1, 0)

    after = _addresses(_partner(world, code))
    assert after == [("bo_BillTo", "Bill To", 0, before[0][3], "Springfield"),
                     ("bo_ShipTo", "Ship To", 1, "9 Dock Road", before[1][4])]
    world.reset_counters()
    quiet = api.run_object(world.hub, "account")
    assert (quiet.updated, quiet.created, quiet.failed) == (0, 0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_an_address_new_to_the_partner_gets_its_address_name(initialized: World) -> None:
    world = initialized
    code = "CADDR01"
    with world.hub.service_layer() as sl:
        created = sl.create("BusinessPartners", {
            "CardCode": code, "CardName": "Harbour Supplies Ltd", "CardType": "cCustomer",
            "Currency": "USD",
            "BPAddresses": [{"AddressName": "Bill To", "AddressType": "bo_BillTo",
                             "City": "Kiel"}]}, code)
    assert isinstance(created, Success), created
    with world.hub.repos() as repos:
        repos.selections.mark("account", [SelectionEntry(code, ACCOUNT_TYPE)])
    assert api.run_object(world.hub, "account").created == 1
    sf_id = _pair_of(world, code)

    world.edit_account(sf_id, {"BillingCity": "Luebeck", "ShippingCity": "Rostock"})
    summary = api.run_object(world.hub, "account")
    assert (summary.updated, summary.failed) == (1, 0), summary
    assert [(a["AddressType"], a["AddressName"], a["RowNum"], a["City"])
            for a in _partner(world, code)["BPAddresses"]] == [
        ("bo_BillTo", "Bill To", 0, "Luebeck"), ("bo_ShipTo", "Ship To", 1, "Rostock")]


def test_an_unmappable_salesforce_change_paired_with_a_sap_change_is_a_stored_error(
    initialized: World,
) -> None:
    """Both sides changed: the SAP pass merges the pair, and the Salesforce side's bad
    country must be an open error, never dropped nor allowed to blank SAP's country."""
    world = initialized
    code, sf_id = _pair(world, 3)
    api.run_object(world.hub, "account")
    country = _partner(world, code)["BPAddresses"][0]
    world.edit_partner(code, {"Phone1": "+1-555-077-0001"})
    world.edit_account(sf_id, {"BillingCountry": "Atlantis", "Fax": "+1-555-077-0002"})

    summary = api.run_object(world.hub, "account")
    assert (summary.status, summary.failed) == (RunStatus.SUCCEEDED, 1), summary
    with world.hub.repos() as repos:
        [error] = [o for o in repos.outcomes.open_errors("account") if o.sf_id == sf_id]
    assert (error.direction, error.status, error.sap_key) == (
        Direction.SALESFORCE_TO_SAP, OutcomeStatus.FAILED, code)
    assert error.error_fields == ["BillingCountry"]
    message = error.error_message or ""
    assert message.startswith("Account '") and f"(Salesforce {sf_id}): cannot map " \
        "BillingCountry: " in message, message
    assert "'Atlantis'" in message and "fix the data in Salesforce" in message, message

    partner = _partner(world, code)
    assert partner["BPAddresses"][0]["Country"] == country["Country"]  # not blanked
    [account] = world.soql(f"SELECT Phone FROM Account WHERE Id = '{sf_id}'")
    assert account["Phone"] == "+1-555-077-0001"  # SAP's own change still went out


def test_a_run_hit_by_an_unexpected_failure_is_finished_failed_and_frees_its_object(
    initialized: World, faults: Any,
) -> None:
    world = initialized
    garbage = {"match": "GET /b1s/v2/BusinessPartners*", "action": "error", "status": 200,
               "body": {"value": [{"NotAPartner": True}]}, "remaining": 1}
    assert faults.post("/_sandbox/faults", json=garbage).status_code == 200

    with pytest.raises(Exception) as raised:
        api.run_object(world.hub, "account")
    with world.hub.repos() as repos:
        [run] = repos.runs.recent("account", limit=1)
        assert repos.runs.active("account") == []
        assert repos.locks.holder("account") is None
    assert run.status is RunStatus.FAILED and run.finished_at is not None
    assert run.message == (f"failed: {type(raised.value).__name__}: {raised.value}; "
                           "the next run resumes from the checkpoint")

    after = api.run_object(world.hub, "account")
    assert after.status is RunStatus.SUCCEEDED and after.run_id != run.id


@pytest.fixture
def faults(initialized: World) -> Iterator[Any]:
    yield initialized.sl_admin
    initialized.sl_admin.delete("/_sandbox/faults")
