"""Price book entries written by a run that died before recording them.

Salesforce keeps ``Product2Id`` and ``Pricebook2Id`` of a PricebookEntry for ever: an
upsert that finds the entry by its key and still carries them is refused. A run killed
after Salesforce made the entries but before the hub recorded them must therefore update
those entries on the next run, not send them again as new ones.
"""

from __future__ import annotations

from collections import Counter

from e2e_world import World
from kill import kill_initialization

from b1hub.store.types import InitStatus
from b1hub.sync import api

ENTRY_UPSERT = "PATCH */composite/sobjects/PricebookEntry/SAP_PriceKey__c"


def _keyed(world: World) -> list[str]:
    return [r["SAP_PriceKey__c"] for r in world.soql(
        "SELECT SAP_PriceKey__c FROM PricebookEntry WHERE SAP_PriceKey__c != null")]


def test_entries_made_before_a_kill_are_updated_not_sent_again(
    world: World, stale_fast: None
) -> None:
    kill_initialization(world, "product", {"match": ENTRY_UPSERT, "action": "late_answer",
                                           "latency_ms": 8000, "remaining": 1},
                        "the price entries", reached=lambda: bool(_keyed(world)))
    made = _keyed(world)  # in Salesforce, unknown to the hub

    summary = api.initialize(world.hub, "product")
    assert (summary.status, summary.message) == (InitStatus.DONE, None), summary
    with world.hub.repos() as repos:
        assert repos.outcomes.open_errors("product") == []
    keys = Counter(_keyed(world))
    assert set(made) <= set(keys)
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len(keys) == 6 * len(world.items)  # a standard and a custom entry per price list
