"""Opportunities from the Salesforce sandbox into SAP sales opportunities, status back."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_world import World, data_writes

from b1hub.connectors.outcomes import Success
from b1hub.store.types import InitStatus, OutcomeStatus, RunStatus
from b1hub.sync import api

SAP_FIELDS = ["SequentialNo", "CardCode", "OpportunityName", "MaxLocalTotal", "SalesPerson",
              "PredictedClosingDate", "CurrentStageNo", "Status", "SalesOpportunitiesLines"]


@pytest.fixture(scope="module")
def ready(world: World) -> World:
    assert api.initialize(world.hub, "account").status is InitStatus.DONE
    with world.hub.repos() as repos:
        repos.settings.set("default_sales_person", 3)
    return world


def _opportunity(world: World, values: dict[str, Any]) -> str:
    with world.salesforce_user() as sf:
        outcome = sf.create("Opportunity", {"CloseDate": "2026-09-30", **values}, "opp")
    assert isinstance(outcome, Success) and outcome.remote_id, outcome
    return outcome.remote_id


def _edit(world: World, sf_id: str, values: dict[str, Any]) -> None:
    with world.salesforce_user() as sf:
        assert isinstance(sf.update("Opportunity", sf_id, values, sf_id), Success)


def _sap(world: World, sf_id: str) -> list[dict[str, Any]]:
    return world.sap_rows("SalesOpportunities", f"U_B1H_SFID eq '{sf_id}'", SAP_FIELDS)


def _account(world: World) -> tuple[str, str]:
    [row] = world.soql("SELECT Id, SAP_CardCode__c FROM Account WHERE SAP_CardCode__c != null "
                       "ORDER BY SAP_CardCode__c LIMIT 1")
    return str(row["Id"]), str(row["SAP_CardCode__c"])


def test_opportunity_stages_flow_to_sap_and_sap_outcome_flows_back(ready: World) -> None:
    world = ready
    account, code = _account(world)
    with world.hub.salesforce() as sf:
        unmapped_owner = sf.integration_user_id()  # no SAP sales employee: the default
    opp = _opportunity(world, {"Name": "Fleet renewal", "AccountId": account,
                               "StageName": "Value Proposition", "Amount": 5000,
                               "OwnerId": unmapped_owner})
    summary = api.run_object(world.hub, "opportunity")
    assert summary.status is RunStatus.SUCCEEDED
    [row] = _sap(world, opp)
    assert (row["CardCode"], row["OpportunityName"], row["MaxLocalTotal"],
            row["SalesPerson"], row["CurrentStageNo"], row["Status"]) == (
        code, "Fleet renewal", 5000.0, 3, 2, "sos_Open")
    assert row["PredictedClosingDate"][:10] == "2026-09-30"
    [back] = world.soql(f"SELECT SAP_SequentialNo__c FROM Opportunity WHERE Id = '{opp}'")
    assert back["SAP_SequentialNo__c"] == str(row["SequentialNo"])

    world.reset_counters()
    quiet = api.run_object(world.hub, "opportunity")
    assert (quiet.created, quiet.updated, quiet.failed) == (0, 0, 0)
    sl, sf = world.counters()
    assert (data_writes(sl), data_writes(sf)) == ({}, {})

    _edit(world, opp, {"StageName": "Negotiation/Review", "Amount": 6500})
    assert api.run_object(world.hub, "opportunity").updated == 1
    [row] = _sap(world, opp)
    assert (row["CurrentStageNo"], row["MaxLocalTotal"]) == (4, 6500.0)
    assert [ln["StageKey"] for ln in row["SalesOpportunitiesLines"]] == [2, 4]

    with world.hub.service_layer() as sl:
        assert isinstance(sl.action("SalesOpportunities", str(row["SequentialNo"]), "Close"),
                          Success)
    api.run_object(world.hub, "opportunity")
    [back] = world.soql(f"SELECT StageName, IsClosed FROM Opportunity WHERE Id = '{opp}'")
    assert back == {"StageName": "Closed Lost", "IsClosed": True}
    world.reset_counters()
    api.run_object(world.hub, "opportunity")
    sl, sf = world.counters()
    assert (data_writes(sl), data_writes(sf)) == ({}, {})


def test_closed_won_marks_the_sap_opportunity_sold(ready: World) -> None:
    world = ready
    account, _ = _account(world)
    opp = _opportunity(world, {"Name": "Quick win", "AccountId": account,
                               "StageName": "Proposal/Price Quote", "Amount": 900})
    api.run_object(world.hub, "opportunity")
    _edit(world, opp, {"StageName": "Closed Won"})
    assert api.run_object(world.hub, "opportunity").updated == 1
    [row] = _sap(world, opp)
    assert (row["Status"], row["CurrentStageNo"]) == ("sos_Sold", 5)


def test_opportunity_of_an_unsynced_account_waits_then_syncs(ready: World) -> None:
    world = ready
    prospect = world.create_account({"Name": "Opp Prospect Co", "Type": "Prospect"})
    opp = _opportunity(world, {"Name": "Early talk", "AccountId": prospect,
                               "StageName": "Prospecting"})
    api.run_object(world.hub, "opportunity")
    with world.hub.repos() as repos:
        [waiting] = [r for r in repos.outcomes.open_errors("opportunity") if r.sf_id == opp]
    assert waiting.status is OutcomeStatus.WAITING
    assert f"waits for its account (Salesforce {prospect})" in (waiting.error_message or "")
    world.edit_account(prospect, {"Type": "Customer - Direct"})
    assert api.run_object(world.hub, "account").created == 1
    assert api.run_object(world.hub, "opportunity").created == 1
    [row] = _sap(world, opp)
    assert row["CurrentStageNo"] == 1


def test_a_stage_line_added_by_a_run_that_died_before_saving_its_link_is_not_added_again(
    ready: World,
) -> None:
    world = ready
    account, _ = _account(world)
    opp = _opportunity(world, {"Name": "Depot retrofit", "AccountId": account,
                               "StageName": "Value Proposition", "Amount": 800})
    api.run_object(world.hub, "opportunity")
    assert [row["CurrentStageNo"] for row in _sap(world, opp)] == [2]
    with world.hub.repos() as repos:
        first = repos.links.by_sf_id("opportunity", opp)
        assert first is not None
        stale = dict(first.base_values or {})
    _edit(world, opp, {"StageName": "Negotiation/Review"})
    assert api.run_object(world.hub, "opportunity").updated == 1
    with world.hub.repos() as repos:  # as if killed after SAP took the line, before this
        link = repos.links.by_sf_id("opportunity", opp)
        assert link is not None
        link.base_values = stale
    _edit(world, opp, {"Amount": 900})  # read again, as the killed run's would be
    assert api.run_object(world.hub, "opportunity").updated == 1
    [row] = _sap(world, opp)
    assert row["CurrentStageNo"] == 4
    assert [ln["StageKey"] for ln in row["SalesOpportunitiesLines"]] == [2, 4]
