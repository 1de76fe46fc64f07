"""The effective map: defaults overlaid by the user's versioned rows and value maps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b1hub.hub import Hub
from b1hub.mapping.fields import FieldMap
from b1hub.mapping.store import (
    MappingRefused,
    effective_map,
    extend_values,
    reset,
    unmap,
    value_maps,
)
from b1hub.mapping.values import UnmappedValue
from b1hub.objects.account import ACCOUNT
from b1hub.store.repositories.mappings import FIELDS
from b1hub.store.types import ObjectDirection

REGION = {"name": "U_Region", "sap": "U_Region", "salesforce": "Region__c",
          "direction": "both", "transform": "text", "value_map": None, "required": False}
PHONE = {"name": "phone", "sap": "Phone2", "salesforce": "Phone",
         "direction": "sap_to_salesforce", "transform": "text", "value_map": None,
         "required": False}


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("B1HUB_DATABASE_URL", raising=False)
    opened = Hub.open()
    yield opened
    opened.close()


def fields_by_name(hub: Hub) -> dict[str, FieldMap]:
    return {f.name: f for f in effective_map(hub, ACCOUNT).fields}


def test_without_user_rows_the_effective_map_is_the_default(hub: Hub) -> None:
    assert effective_map(hub, ACCOUNT).fields == ACCOUNT.field_map.fields


def test_user_rows_add_fields_and_replace_defaults_by_name(hub: Hub) -> None:
    with hub.repos() as repos:
        repos.mappings.save(FIELDS, "account", [REGION, PHONE], "tester")
    fields = fields_by_name(hub)
    assert fields["U_Region"].salesforce == "Region__c"
    assert (fields["phone"].sap, fields["phone"].direction) == (
        "Phone2", ObjectDirection.SAP_TO_SALESFORCE)
    assert [f.sap for f in fields.values()].count("Phone1") == 0
    assert len(fields) == len(ACCOUNT.field_map.fields) + 1
    mapped = effective_map(hub, ACCOUNT).from_sap({"CardName": "A", "U_Region": " North "})
    assert mapped.values["U_Region"] == "North"


def test_unmap_stops_one_field_and_reset_restores_defaults_keeping_history(hub: Hub) -> None:
    with hub.repos() as repos:
        repos.mappings.save(FIELDS, "account", [REGION, PHONE], "tester")
    assert unmap(hub, "account", "U_Region", "tester") == 2
    fields = fields_by_name(hub)
    assert "U_Region" not in fields and fields["phone"].sap == "Phone2"
    with pytest.raises(MappingRefused, match="no user mapping of SAP U_Region"):
        unmap(hub, "account", "U_Region", "tester")
    assert reset(hub, "account", "tester") == 3
    assert effective_map(hub, ACCOUNT).fields == ACCOUNT.field_map.fields
    with hub.repos() as repos:
        history = repos.mappings.history(FIELDS, "account")
        assert [len(v.data) for v in history] == [2, 1, 0]
        assert [e.action for e in repos.audit.recent(action=None)][:2] == [
            "mapping.reset", "mapping.unmap"]


def test_value_map_extensions_come_first_and_new_maps_can_be_made(hub: Hub) -> None:
    with hub.repos() as repos:
        countries = value_maps(repos)["countries"]
    with pytest.raises(UnmappedValue, match="b1hub mapping values countries --add"):
        countries.to_salesforce("LU")
    extended = extend_values(hub, "countries", [("LU", "Luxembourg"), ("US", "U.S.")], "t")
    assert (extended.to_salesforce("LU"), extended.to_salesforce("US")) == (
        "Luxembourg", "U.S.")
    assert extended.from_salesforce("United States") == "US"
    fresh = extend_values(hub, "tiers", [("G", "Gold")], "t")
    assert fresh.pairs == (("G", "Gold"),)
    assert effective_map(hub, ACCOUNT).value_maps["tiers"].to_salesforce("G") == "Gold"
    with pytest.raises(MappingRefused, match="lower-case words"):
        extend_values(hub, "Bad Name", [("a", "b")], "t")


def test_every_default_value_map_translates_both_ways() -> None:
    from b1hub.mapping.values import DEFAULT_VALUE_MAPS

    assert set(DEFAULT_VALUE_MAPS) == {
        "countries", "states", "account_types", "lead_statuses", "lead_sources",
        "opportunity_stages", "payment_terms", "sales_persons"}
    for vmap in DEFAULT_VALUE_MAPS.values():
        for sap, sf in vmap.pairs:
            assert vmap.from_salesforce(sf) == sap
            assert vmap.from_salesforce(vmap.to_salesforce(sap)) == sap
