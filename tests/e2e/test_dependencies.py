"""Dependency waiting over HTTP: a custom price entry waits for its standard entry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_world import World, data_writes

from b1hub.store.types import InitStatus, OutcomeStatus
from b1hub.sync import api


@pytest.fixture
def frozen_standard_price(world: World) -> Iterator[str]:
    """Salesforce refuses one item's USD standard entry until the rule is removed."""
    key = f"{world.items[2]}:1:Standard Price Book"
    rule = {"sobject": "PricebookEntry", "field": "SAP_PriceKey__c", "condition": "equals",
            "value": key, "message": "Standard prices are frozen this week"}
    assert world.sf_admin.post("/_sandbox/validation-rules", json=rule).status_code == 201
    try:
        yield key
    finally:
        world.sf_admin.delete("/_sandbox/validation-rules")


def _entries(world: World, item: str) -> set[str]:
    rows = world.soql("SELECT SAP_PriceKey__c FROM PricebookEntry "
                      f"WHERE SAP_PriceKey__c LIKE '{item}:%'")
    return {r["SAP_PriceKey__c"] for r in rows}


def _open(world: World, item: str) -> dict[str, OutcomeStatus]:
    with world.hub.repos() as repos:
        return {o.sap_key or "": o.status for o in repos.outcomes.open_errors("product")
                if (o.sap_key or "").startswith(f"{item}:")}


def test_custom_entry_waits_for_its_standard_entry_and_syncs_later(
    world: World, frozen_standard_price: str,
) -> None:
    item = world.items[2]
    custom = f"{item}:1:USD Price Book"
    with world.hub.repos() as repos:  # no overlap re-read: only the waiting brings it back
        repos.settings.set("sync_overlap_seconds", 0)
    summary = api.initialize(world.hub, "product")
    assert summary.status is InitStatus.DONE, summary
    assert _open(world, item) == {frozen_standard_price: OutcomeStatus.FAILED,
                                  custom: OutcomeStatus.WAITING}
    with world.hub.repos() as repos:
        [waiting] = [o for o in repos.outcomes.open_errors("product") if o.sap_key == custom]
    assert "waiting for the standard price entry" in (waiting.error_message or "")
    assert _entries(world, item) == {f"{item}:2:Standard Price Book",
                                     f"{item}:3:Standard Price Book",
                                     f"{item}:2:EUR Price Book", f"{item}:3:CAD Price Book"}
    for other in world.items[3:5]:
        assert len(_entries(world, other)) == 6

    still = api.run_object(world.hub, "product")  # parent still missing: waits again
    assert (still.waiting, still.failed) == (1, 1), still
    assert _open(world, item) == {frozen_standard_price: OutcomeStatus.FAILED,
                                  custom: OutcomeStatus.WAITING}

    world.sf_admin.delete("/_sandbox/validation-rules")
    world.reset_counters()
    later = api.run_object(world.hub, "product")  # the item itself did not change
    assert (later.created, later.waiting, later.failed) == (2, 0, 0), later
    assert len(_entries(world, item)) == 6
    assert _open(world, item) == {}
    _, sf = world.counters()
    assert sum(data_writes(sf).values()) == 2, sf  # standard first, then the custom one

    world.reset_counters()
    quiet = api.run_object(world.hub, "product")
    assert (quiet.created, quiet.updated, quiet.waiting) == (0, 0, 0), quiet
    sl, sf = world.counters()
    assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)
