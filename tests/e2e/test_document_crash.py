"""Crash safety of document and opportunity creates: SIGKILL the sync mid-batch, rerun.

The child is the real ``b1hub sync`` command (or a ``python -c`` run); a sandbox fault holds
the chosen request so the kill lands in a known window: after SAP made the documents but
before the hub linked them (``late_answer``: SAP handled the batch, its answer is late),
or while the SAP numbers are being written back to Salesforce.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from doc_world import entries, linked_account, order
from e2e_world import World, open_world

from b1hub.connectors.outcomes import Success
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api

STALE_SECONDS = "1"
SAP_BATCH = "POST */$batch"
SF_UPDATE = "PATCH */composite/sobjects"
B1HUB = str(Path(sys.executable).parent / "b1hub")
OPPORTUNITY_CHILD = ("import sys; from b1hub.hub import Hub; from b1hub.sync import api; "
                     "api.run_object(Hub.open(sys.argv[1]), 'opportunity')")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("doc-crash")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        mp.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)  # a killed run's lock frees fast
        with open_world(tmp / "sandbox") as opened:
            for name in ("account", "product"):
                assert api.initialize(opened.hub, name).status is InitStatus.DONE
            with opened.hub.repos() as repos:  # USD orders, whatever the customer's currency
                repos.settings.set("multi_currency", True)
            yield opened


@pytest.fixture(autouse=True)
def _no_faults(world: World) -> Iterator[None]:
    yield
    world.sl_admin.delete("/_sandbox/faults")
    world.sf_admin.delete("/_sandbox/faults")


def _kill_during(admin: httpx.Client, rule: dict[str, Any], command: list[str],
                 reached: Callable[[], bool]) -> None:
    """Start ``command``; once ``rule`` fired and ``reached()`` holds, SIGKILL it."""
    assert admin.post("/_sandbox/faults", json={**rule, "remaining": 1}).status_code == 200
    child = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while admin.get("/_sandbox/faults").json() or not reached():
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the sync never reached the held request"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        admin.delete("/_sandbox/faults")
        if child.poll() is None:
            child.kill()
            child.wait()
    time.sleep(float(STALE_SECONDS) + 0.2)


def _sap_orders(world: World, sf_ids: list[str]) -> list[dict[str, Any]]:
    where = " or ".join(f"NumAtCard eq '{i}'" for i in sf_ids)
    return world.sap_rows("Orders", where, ["DocEntry", "DocNum", "NumAtCard", "DocumentLines"])


@pytest.mark.parametrize(("system", "rule"), [
    ("sap", {"match": SAP_BATCH, "action": "late_answer", "latency_ms": 8000}),
    ("salesforce", {"match": SF_UPDATE, "action": "latency", "latency_ms": 8000}),
])
def test_killed_order_batch_creates_no_second_document(
    world: World, system: str, rule: dict[str, Any],
) -> None:
    offset = 0 if system == "sap" else 3
    usd = entries(world, "USD")
    orders = [order(world, linked_account(world, offset + n)[0], "USD",
                     [(usd[n], 1 + n, 10.0), (usd[n + 1], 2, 4.5)]) for n in range(3)]
    admin = world.sl_admin if system == "sap" else world.sf_admin
    _kill_during(admin, rule, [B1HUB, "sync", "order", "--json"],
                 lambda: len(_sap_orders(world, orders)) == 3)
    with world.hub.repos() as repos:
        linked = repos.links.by_sf_ids("order", orders)
    assert len(linked) == (0 if system == "sap" else 3)  # made in SAP, told nobody
    unnumbered = world.soql("SELECT Id FROM Order WHERE SAP_DocEntry__c = null AND Id IN ("
                            + ", ".join(f"'{o}'" for o in orders) + ")")
    assert len(unnumbered) == 3

    rerun = api.run_object(world.hub, "order")
    assert (rerun.status, rerun.failed) == (RunStatus.SUCCEEDED, 0), rerun
    docs = _sap_orders(world, orders)
    assert sorted(d["NumAtCard"] for d in docs) == sorted(orders)  # exactly one each
    assert all(len(d["DocumentLines"]) == 2 for d in docs)
    numbers = {d["NumAtCard"]: (str(d["DocEntry"]), str(d["DocNum"])) for d in docs}
    shown = world.soql("SELECT Id, SAP_DocEntry__c, SAP_DocNum__c, SAP_SyncStatus__c FROM "
                       "Order WHERE Id IN (" + ", ".join(f"'{o}'" for o in orders) + ")")
    assert {r["Id"]: (r["SAP_DocEntry__c"], r["SAP_DocNum__c"]) for r in shown} == numbers
    assert {r["SAP_SyncStatus__c"] for r in shown} == {"OK"}
    assert api.run_object(world.hub, "order").created == 0
    assert len(_sap_orders(world, orders)) == 3


def test_killed_opportunity_create_is_adopted_through_its_salesforce_id(world: World) -> None:
    api.run_object(world.hub, "opportunity")  # the seeded ones first: only ours are new
    opportunities = []
    for n in range(2):
        with world.salesforce_user() as sf:
            outcome = sf.create("Opportunity", {
                "Name": f"Crash deal {n}", "AccountId": linked_account(world, 10 + n)[0],
                "StageName": "Qualification", "CloseDate": "2026-10-01", "Amount": 700 + n},
                "opp")
        assert isinstance(outcome, Success) and outcome.remote_id
        opportunities.append(outcome.remote_id)

    def in_sap() -> list[dict[str, Any]]:
        where = " or ".join(f"U_B1H_SFID eq '{i}'" for i in opportunities)
        return world.sap_rows("SalesOpportunities", where,
                              ["SequentialNo", "U_B1H_SFID", "SalesOpportunitiesLines"])

    rule = {"match": SAP_BATCH, "action": "late_answer", "latency_ms": 8000}
    _kill_during(world.sl_admin, rule,
                 [sys.executable, "-c", OPPORTUNITY_CHILD, world.hub.integration],
                 lambda: len(in_sap()) == 1)
    with world.hub.repos() as repos:
        assert repos.links.by_sf_ids("opportunity", opportunities) == {}

    rerun = api.run_object(world.hub, "opportunity")
    assert (rerun.status, rerun.failed) == (RunStatus.SUCCEEDED, 0), rerun
    rows = in_sap()
    assert sorted(r["U_B1H_SFID"] for r in rows) == sorted(opportunities)
    assert [len(r["SalesOpportunitiesLines"]) for r in rows] == [1, 1]  # no stage twice
    back = world.soql("SELECT Id, SAP_SequentialNo__c FROM Opportunity WHERE Id IN ("
                      + ", ".join(f"'{o}'" for o in opportunities) + ")")
    assert {r["Id"]: r["SAP_SequentialNo__c"] for r in back} == {
        r["U_B1H_SFID"]: str(r["SequentialNo"]) for r in rows}
