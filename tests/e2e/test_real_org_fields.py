"""Against a sandbox answering like a real org, where ``LastModifiedByClient`` does not
exist: every registered object initializes and syncs (so no SOQL of the hub names that
field), a person's edits flow to SAP and the hub's own writes are not read back."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_world import World, data_writes

from b1hub.connectors.outcomes import Success
from b1hub.objects.registry import REGISTRY
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api


@pytest.fixture(scope="module")
def real_org(world: World) -> World:
    config = world.sf_admin.post("/_sandbox/config", json={"hidden_fields": False})
    assert config.json()["hidden_fields"] is False
    with world.hub.repos() as repos:
        repos.settings.set("closed_won_creates_order", True)
    for spec in REGISTRY.values():
        if spec.requires_initialization:
            summary = api.initialize(world.hub, spec.name)
            assert summary.status is InitStatus.DONE, (spec.name, summary)
    return world


def _linked_account(world: World) -> dict[str, Any]:
    [row] = world.soql("SELECT Id, SAP_CardCode__c FROM Account WHERE SAP_CardCode__c != null "
                       "ORDER BY SAP_CardCode__c LIMIT 1")
    return row


def test_every_object_syncs_people_edits_and_skips_the_hubs_own(real_org: World) -> None:
    world = real_org
    account = _linked_account(world)
    code = str(account["SAP_CardCode__c"])
    world.edit_account(str(account["Id"]), {"Phone": "+1 555 0100"})
    with world.salesforce_user() as sf:
        made = sf.create("Contact", {"FirstName": "Rita", "LastName": "Realorg",
                                     "Email": "rita.realorg@example.com",
                                     "AccountId": account["Id"]}, "rita")
    assert isinstance(made, Success), made

    summaries = api.run_all(world.hub)
    assert sorted(s.object for s in summaries) == sorted(REGISTRY)
    assert [(s.object, s.status, s.failed) for s in summaries
            if s.status is not RunStatus.SUCCEEDED or s.failed] == []
    [partner] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'",
                               ["Phone1", "ContactEmployees"])
    assert partner["Phone1"] == "+1 555 0100"
    assert "rita.realorg@example.com" in {c.get("E_Mail") for c in partner["ContactEmployees"]}

    with world.hub.salesforce() as sf:
        hub_user = sf.integration_user_id()
    [stamped] = world.soql(f"SELECT LastModifiedById FROM Contact WHERE Id = '{made.remote_id}'")
    assert stamped["LastModifiedById"] == hub_user  # the hub wrote the SAP key back

    world.reset_counters()
    quiet = api.run_all(world.hub)
    assert [(s.object, s.status, s.created, s.updated, s.failed) for s in quiet
            if (s.status, s.created, s.updated, s.failed) != (RunStatus.SUCCEEDED, 0, 0, 0)
            ] == []
    sl, sf_routes = world.counters()
    assert data_writes(sl) == {} and data_writes(sf_routes) == {}
