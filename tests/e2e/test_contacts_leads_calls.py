"""What contact and lead runs cost in API calls (issue 11), counted by the sandboxes.

Every customer of the small sandbox is marked, so a pass that goes back to reading pairs
by key (per partner, or per few dozen partners) shows up as several calls where one is
allowed: an idle poll is at most two Salesforce calls and two Service Layer requests per
object, whatever the data size, and so is a run that only sees the hub's own writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_world import World, data_writes, open_world

from b1hub.connectors.outcomes import Success
from b1hub.store.types import Direction, InitStatus, RunStatus
from b1hub.sync import api, contacts_run
from b1hub.sync.api import RunSummary

SESSIONS = ("Login", "Logout", "token")
LIMIT = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Every customer marked, then account, contact and lead initialized."""
    tmp = tmp_path_factory.mktemp("calls")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        with open_world(tmp / "sandbox", customers=10_000) as opened:
            assert len(opened.customers) > 100
            for name in ("account", "contact", "lead"):
                assert api.initialize(opened.hub, name).status is InitStatus.DONE
            yield opened


def _calls(world: World) -> tuple[dict[str, int], dict[str, int]]:
    """Service Layer and Salesforce requests since the last reset, sessions left out."""
    sl, sf = world.counters()
    return ({r: n for r, n in sl.items() if not any(s in r for s in SESSIONS)},
            {r: n for r, n in sf.items() if not any(s in r for s in SESSIONS)})


def _run(world: World, name: str) -> tuple[RunSummary, dict[str, int], dict[str, int]]:
    world.reset_counters()
    summary = api.run_object(world.hub, name)
    assert summary.status is RunStatus.SUCCEEDED and summary.failed == 0, summary
    return (summary, *_calls(world))


def _partner(world: World, code: str) -> dict[str, Any]:
    [row] = world.sap_rows("BusinessPartners", f"CardCode eq '{code}'",
                           ["CardCode", "ContactEmployees"])
    return row


def _contact_of(world: World, key: str) -> str:
    with world.hub.repos() as repos:
        link = repos.links.by_sap_key("contact", key)
    assert link is not None, key
    return str(link.sf_id)


@pytest.mark.parametrize("name", ["contact", "lead"])
def test_idle_poll_is_at_most_two_calls_per_system(world: World, name: str) -> None:
    for _ in range(2):  # right after initialization (the hub's own writes), then quiet
        summary, sl, sf = _run(world, name)
        assert (summary.created, summary.updated) == (0, 0), summary
        assert sf == {"GET query": 1}, sf  # the change read alone: no query by key
        assert sum(sl.values()) <= 2, sl
        assert summary.sap_requests <= 2 and summary.salesforce_api_calls <= 2, summary
        assert data_writes(sl) == {} and data_writes(sf) == {}, (sl, sf)


def test_one_change_on_each_side_costs_the_same_whatever_the_partner_count(
    world: World,
) -> None:
    sap_code, sf_code = world.customers[10], world.customers[11]
    member = _partner(world, sap_code)["ContactEmployees"][0]
    world.edit_partner(sap_code, {"ContactEmployees": [
        {"InternalCode": member["InternalCode"], "Position": "Head of Calls"}]})
    sf_member = _partner(world, sf_code)["ContactEmployees"][0]
    sf_id = _contact_of(world, f"{sf_code}:{sf_member['InternalCode']}")
    with world.salesforce_user() as sf_user:
        assert isinstance(sf_user.update("Contact", sf_id, {"Title": "Calls Lead"}, sf_id),
                          Success)

    summary, sl, sf = _run(world, "contact")
    assert summary.updated == 2, summary
    # one change read per side, one update each way (no read by key: both pairs are linked
    # and the other side of each is its merge base)
    assert sf == {"GET query": 1, "PATCH composite/sobjects": 1}, sf
    assert sl.get("GET BusinessPartners", 0) <= 2 and data_writes(sl) == {"POST $batch": 1}, sl
    changed = _contact_of(world, f"{sap_code}:{member['InternalCode']}")
    [row] = world.soql(f"SELECT Title FROM Contact WHERE Id = '{changed}'")
    assert row["Title"] == "Head of Calls"
    [sap] = [m for m in _partner(world, sf_code)["ContactEmployees"]
             if m["InternalCode"] == sf_member["InternalCode"]]
    assert sap["Position"] == "Calls Lead"
    _, sl, sf = _run(world, "contact")
    assert sum(sl.values()) <= 2 and sum(sf.values()) <= 2, (sl, sf)


def test_a_paused_run_keeps_the_chunks_it_finished(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SAP checkpoint moves after every chunk: the pairs finished before a pause are
    neither written again nor read past their position by the next run."""
    codes = sorted(world.customers[20:23])
    _run(world, "contact")  # settle what earlier tests left, so the first write is codes[0]'s
    for n, code in enumerate(codes):
        world.edit_partner(code, {"ContactEmployees": [
            {"Name": f"Chunk Person {n}", "FirstName": "Chunk", "LastName": f"Person {n}"}]})
    monkeypatch.setattr(contacts_run, "CHUNK", 1)
    world.sf_admin.post("/_sandbox/faults", json={
        "match": "PATCH /services/data/*/composite/sobjects/Contact/*", "status": 403,
        "body": LIMIT, "every": 2, "remaining": 1}).raise_for_status()
    try:
        paused = api.run_object(world.hub, "contact")
    finally:
        world.sf_admin.delete("/_sandbox/faults")
    assert paused.status is RunStatus.PAUSED and paused.created == 1, paused
    with world.hub.repos() as repos:
        saved = repos.checkpoints.load("contact", Direction.SAP_TO_SALESFORCE)
        first = repos.links.by_sap_key("contact", f"{codes[0]}:{_new_member(world, codes[0])}")
    assert saved is not None and saved["key"] == codes[0], saved
    assert first is not None

    resumed = _run(world, "contact")[0]
    assert resumed.created == 2, resumed
    rows = world.soql("SELECT Id, SAP_ContactKey__c FROM Contact WHERE FirstName = 'Chunk'")
    assert sorted(r["SAP_ContactKey__c"].split(":")[0] for r in rows) == sorted(codes)


def _new_member(world: World, code: str) -> int:
    [member] = [m for m in _partner(world, code)["ContactEmployees"]
                if m.get("FirstName") == "Chunk"]
    return int(member["InternalCode"])


def test_a_first_load_cut_short_resumes_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first contact load keeps no Contact between chunks (each chunk's are read again
    by account) and moves its Salesforce checkpoint only once whole: paused after its
    first chunk, the load run again creates every other contact once, and the run after
    it is quiet."""
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(contacts_run, "CHUNK", 10)
    with open_world(tmp_path / "sandbox", customers=60) as world:
        assert api.initialize(world.hub, "account").status is InitStatus.DONE
        world.sf_admin.post("/_sandbox/faults", json={
            "match": "PATCH /services/data/*/composite/sobjects/Contact/*", "status": 403,
            "body": LIMIT, "every": 2, "remaining": 1}).raise_for_status()
        try:
            cut = api.initialize(world.hub, "contact")
        finally:
            world.sf_admin.delete("/_sandbox/faults")
        assert cut.status is InitStatus.FAILED and cut.created > 0, cut

        assert api.initialize(world.hub, "contact").status is InitStatus.DONE
        keys = [row["SAP_ContactKey__c"] for row in world.soql(
            "SELECT SAP_ContactKey__c FROM Contact WHERE SAP_ContactKey__c != null")]
        assert len(keys) == len(set(keys)), "a contact person was created twice"
        members = {f"{code}:{m['InternalCode']}" for code in world.customers
                   for m in _partner(world, code)["ContactEmployees"]}
        with world.hub.repos() as repos:
            linked = repos.links.by_sap_keys("contact", members)
        assert set(linked) == members and members <= set(keys)
        quiet = _run(world, "contact")[0]
        assert (quiet.created, quiet.updated) == (0, 0), quiet
