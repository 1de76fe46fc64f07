"""Price book entries written by a run that died before recording them.

Salesforce keeps ``Product2Id`` and ``Pricebook2Id`` of a PricebookEntry for ever: an
upsert that finds the entry by its key and still carries them is refused. A run killed
after Salesforce made the entries but before the hub recorded them must therefore update
those entries on the next run, not send them again as new ones.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from e2e_world import World

from b1hub.store.types import InitStatus
from b1hub.sync import api

STALE_SECONDS = "1"
ENTRY_UPSERT = "PATCH */composite/sobjects/PricebookEntry/SAP_PriceKey__c"
CHILD = ("import sys; from b1hub.hub import Hub; from b1hub.sync import api; "
         "api.initialize(Hub.open(sys.argv[1]), 'product')")


@pytest.fixture
def stale_fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)  # the killed run's lock
    yield


def _keyed(world: World) -> list[str]:
    return [r["SAP_PriceKey__c"] for r in world.soql(
        "SELECT SAP_PriceKey__c FROM PricebookEntry WHERE SAP_PriceKey__c != null")]


def test_entries_made_before_a_kill_are_updated_not_sent_again(
    world: World, stale_fast: None
) -> None:
    rule = {"match": ENTRY_UPSERT, "action": "late_answer", "latency_ms": 8000, "remaining": 1}
    assert world.sf_admin.post("/_sandbox/faults", json=rule).status_code == 200
    child = subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration],
                             env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while world.sf_admin.get("/_sandbox/faults").json() or not _keyed(world):
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the load never reached the price entries"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        world.sf_admin.delete("/_sandbox/faults")
        if child.poll() is None:
            child.kill()
            child.wait()
    made = _keyed(world)  # in Salesforce, unknown to the hub
    time.sleep(float(STALE_SECONDS) + 0.2)

    summary = api.initialize(world.hub, "product")
    assert (summary.status, summary.message) == (InitStatus.DONE, None), summary
    with world.hub.repos() as repos:
        assert repos.outcomes.open_errors("product") == []
    keys = Counter(_keyed(world))
    assert set(made) <= set(keys)
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len(keys) == 6 * len(world.items)  # a standard and a custom entry per price list
