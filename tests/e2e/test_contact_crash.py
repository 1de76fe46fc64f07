"""Contacts matched by a run that died before writing their SAP key.

A first load links each contact person to the Salesforce Contact it matches (e-mail,
then name) before the write that puts the SAP key on that Contact. A run killed in
between leaves the pair linked but the Contact without ``SAP_ContactKey__c``; the next
run must find the pair again and write the key, although neither side changed since.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from e2e_world import World

from b1hub.store.types import InitStatus
from b1hub.sync import api

STALE_SECONDS = "1"
CONTACT_UPDATE = "PATCH */composite/sobjects"
"""Collections update: the write that puts the SAP key on matched Contacts."""
CHILD = ("import sys; from b1hub.hub import Hub; from b1hub.sync import api; "
         "api.initialize(Hub.open(sys.argv[1]), 'contact')")


@pytest.fixture
def stale_fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)  # the killed run's lock
    yield


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
    rule = {"match": CONTACT_UPDATE, "action": "hang", "hang_seconds": 30, "remaining": 1}
    assert world.sf_admin.post("/_sandbox/faults", json=rule).status_code == 200
    child = subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration],
                             env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while world.sf_admin.get("/_sandbox/faults").json():
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the load never wrote the matched Contacts"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)  # the key write hangs: it never lands
        assert child.wait(10) == -signal.SIGKILL
    finally:
        world.sf_admin.delete("/_sandbox/faults")
        if child.poll() is None:
            child.kill()
            child.wait()
    keyless = {sf_id for sf_id, (key, held) in _keys_of_linked(world).items() if held != key}
    assert keyless, "the kill should leave matched Contacts linked without their key"
    time.sleep(float(STALE_SECONDS) + 0.2)

    summary = api.initialize(world.hub, "contact")
    assert (summary.status, summary.message) == (InitStatus.DONE, None), summary
    linked = _keys_of_linked(world)
    assert {sf_id: linked[sf_id] for sf_id in keyless} == {
        sf_id: (linked[sf_id][0],) * 2 for sf_id in keyless}
    assert [k for k, held in linked.values() if held != k] == []
    with world.hub.repos() as repos:
        assert repos.outcomes.open_errors("contact") == []
