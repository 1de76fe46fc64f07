"""Contacts matched by a run that died before writing their SAP key.

A first load links each contact person to the Salesforce Contact it matches (e-mail,
then name) before the write that puts the SAP key on that Contact. A run killed in
between leaves the pair linked but the Contact without ``SAP_ContactKey__c``; the next
run must find the pair again and write the key, although neither side changed since.
"""

from __future__ import annotations

from e2e_world import World
from kill import kill_initialization

from b1hub.store.types import InitStatus
from b1hub.sync import api

CONTACT_UPDATE = "PATCH */composite/sobjects"
"""Collections update: the write that puts the SAP key on matched Contacts."""


def _keys_of_linked(world: World) -> dict[str, tuple[str, str | None]]:
    """Salesforce Id -> (the link's contact key, the key the Contact holds)."""
    with world.hub.repos() as repos:
        links = repos.links.pairs("contact")
    held = {r["Id"]: r["SAP_ContactKey__c"] for r in world.soql(
        "SELECT Id, SAP_ContactKey__c FROM Contact WHERE AccountId != null")}
    return {sf_id: (key, held.get(sf_id)) for key, sf_id in links.items()}


def test_contacts_linked_before_a_kill_get_their_key_on_the_next_run(
    world: World, stale_fast: None
) -> None:
    assert api.initialize(world.hub, "account").status is InitStatus.DONE
    kill_initialization(world, "contact", {"match": CONTACT_UPDATE, "action": "hang",
                                           "hang_seconds": 30, "remaining": 1},
                        "the write of the matched Contacts")  # the key never lands
    keyless = {sf_id for sf_id, (key, held) in _keys_of_linked(world).items() if held != key}
    assert keyless, "the kill should leave matched Contacts linked without their key"

    summary = api.initialize(world.hub, "contact")
    assert (summary.status, summary.message) == (InitStatus.DONE, None), summary
    linked = _keys_of_linked(world)
    assert {sf_id: linked[sf_id] for sf_id in keyless} == {
        sf_id: (linked[sf_id][0],) * 2 for sf_id in keyless}
    assert [k for k, held in linked.values() if held != k] == []
    with world.hub.repos() as repos:
        assert repos.outcomes.open_errors("contact") == []
