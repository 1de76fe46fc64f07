"""Crash safety over HTTP: SIGKILL a sync mid-write, rerun, compare with an uninterrupted run.

Two sandboxes with the same seed get the same changes. The reference integration syncs
them in one go; the crashed one runs the sync in a child process that is killed while a
chosen write is in flight (held there by a sandbox latency fault), then runs it again.
Both must end in the same state: same accounts, partners, cross-references and links,
no duplicates on either side.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from e2e_world import ACCOUNT_TYPE, World, open_world

from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api

CHILD = "import sys; from b1hub.hub import Hub; from b1hub.sync import api; " \
        "api.run_object(Hub.open(sys.argv[1]), 'account')"
STALE_SECONDS = "1"
SAP_BATCH = "POST */$batch"
SF_UPSERT = "PATCH */composite/sobjects/Account/SAP_CardCode__c"
SF_UPDATE = "PATCH */composite/sobjects"


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, World]]:
    """(reference, crashed): one store, two integrations, each on its own sandbox."""
    tmp = tmp_path_factory.mktemp("crash")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        mp.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)  # a killed run's lock frees fast
        with open_world(tmp / "reference", "reference") as reference, \
                open_world(tmp / "crashed", "crashed") as crashed:
            for world in (reference, crashed):
                assert api.initialize(world.hub, "account").status is InitStatus.DONE
            yield reference, crashed


def _mark(world: World, codes: list[str]) -> None:
    with world.hub.repos() as repos:
        repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE) for c in codes])


def _kill_during(world: World, admin: httpx.Client, pattern: str) -> None:
    """Run the sync in a child, hold the first request matching ``pattern`` and SIGKILL."""
    rule = {"match": pattern, "action": "latency", "latency_ms": 8000, "remaining": 1}
    assert admin.post("/_sandbox/faults", json=rule).status_code == 200
    child = subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration],
                             env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while admin.get("/_sandbox/faults").json():  # the rule is consumed when it fires
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, "the sync never reached the held request"
            time.sleep(0.05)
        time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        admin.delete("/_sandbox/faults")
        if child.poll() is None:
            child.kill()
            child.wait()
    time.sleep(float(STALE_SECONDS) + 0.2)


def _snapshot(world: World) -> dict[str, Any]:
    """Both sandboxes and the links, by natural identity (names and codes, not Ids)."""
    accounts = world.soql("SELECT Id, Name, SAP_CardCode__c, AccountNumber FROM Account")
    names = {a["Id"]: a["Name"] for a in accounts}
    partners = world.sap_rows("BusinessPartners", "CardType eq 'cCustomer'",
                              ["CardCode", "CardName", "U_B1H_SFID"])
    with world.hub.repos() as repos:
        links = [(lk.sap_key, names.get(lk.sf_id)) for lk in repos.links.page(
            "account", limit=100_000)]
        errors = [(o.status, o.error_message) for o in repos.outcomes.open_errors("account")]
    return {
        "accounts": sorted((a["Name"], a["SAP_CardCode__c"] or "", a["AccountNumber"] or "")
                           for a in accounts),
        "partners": sorted((p["CardCode"], p["CardName"], names.get(p["U_B1H_SFID"], ""))
                           for p in partners),
        "links": sorted(links, key=lambda pair: (pair[0], pair[1] or "")),
        "errors": errors,
        "codes": Counter(a["SAP_CardCode__c"] for a in accounts if a["SAP_CardCode__c"]),
        "sfids": Counter(p["U_B1H_SFID"] for p in partners if p["U_B1H_SFID"]),
    }


def _assert_same(reference: World, crashed: World) -> None:
    expected, actual = _snapshot(reference), _snapshot(crashed)
    assert max(actual["codes"].values()) == 1  # no duplicate Account per CardCode
    assert max(actual["sfids"].values()) == 1  # no duplicate partner per Account
    assert actual["errors"] == expected["errors"] == []
    for part in ("accounts", "partners", "links"):
        assert actual[part] == expected[part], part


def _sync_both(
    reference: World, crashed: World, admin: httpx.Client, pattern: str,
    at_crash: Callable[[], None],
) -> None:
    assert api.run_object(reference.hub, "account").status is RunStatus.SUCCEEDED
    _kill_during(crashed, admin, pattern)
    at_crash()
    rerun = api.run_object(crashed.hub, "account")
    assert (rerun.status, rerun.failed) == (RunStatus.SUCCEEDED, 0), rerun
    _assert_same(reference, crashed)


@pytest.mark.parametrize(("first", "pattern", "system"), [
    (20, SF_UPSERT, "salesforce"),  # accounts being created in Salesforce
    (60, SAP_BATCH, "sap"),  # accounts created, SAP cross-references being written
])
def test_kill_during_a_sap_to_salesforce_load(
    worlds: tuple[World, World], first: int, pattern: str, system: str,
) -> None:
    reference, crashed = worlds
    with crashed.hub.repos() as repos:
        linked = repos.links.by_sap_keys("account", crashed.all_customers)
    codes = [c for c in crashed.all_customers[first:] if c not in linked][:5]
    assert len(codes) == 5 and reference.all_customers == crashed.all_customers
    for world in worlds:
        _mark(world, codes)
    admin = crashed.sf_admin if system == "salesforce" else crashed.sl_admin

    def at_crash() -> None:
        in_salesforce = _accounts_of(crashed, codes)
        if system == "sap":  # written to Salesforce, not recorded: the dangerous window
            assert sorted(in_salesforce) == sorted(codes)
            with crashed.hub.repos() as repos:
                assert repos.links.by_sap_keys("account", codes) == {}

    _sync_both(reference, crashed, admin, pattern, at_crash)
    assert sorted(_accounts_of(crashed, codes)) == sorted(codes)


def _accounts_of(world: World, codes: list[str]) -> list[str]:
    listed = ", ".join(f"'{c}'" for c in codes)
    return [a["SAP_CardCode__c"] for a in world.soql(
        f"SELECT SAP_CardCode__c FROM Account WHERE SAP_CardCode__c IN ({listed})")]


@pytest.mark.parametrize(("tag", "pattern", "system"), [
    ("A", SAP_BATCH, "sap"),  # partners being created in SAP
    ("B", SF_UPDATE, "salesforce"),  # partners created, CardCodes being written back
])
def test_kill_during_a_salesforce_to_sap_create(
    worlds: tuple[World, World], tag: str, pattern: str, system: str,
) -> None:
    reference, crashed = worlds
    names = [f"Crash Test {tag}{n} Ltd" for n in range(4)]
    for world in worlds:
        for name in names:
            world.create_account({"Name": name, "Type": ACCOUNT_TYPE, "BillingCity": "Kiel"})
    time.sleep(1.1)  # whole-second stamps: keep the two sandboxes' reads alike
    admin = crashed.sl_admin if system == "sap" else crashed.sf_admin

    def at_crash() -> None:
        ids = [a["Id"] for a in crashed.soql(
            f"SELECT Id FROM Account WHERE Name LIKE 'Crash Test {tag}%'")]
        created = [p for i in ids for p in crashed.partners_of(i)]
        if system == "salesforce":  # partners made and linked before Salesforce hears
            assert len(created) == len(names)  # their codes: nothing left unrecorded
            with crashed.hub.repos() as repos:
                assert len(repos.links.by_sf_ids("account", ids)) == len(names)

    _sync_both(reference, crashed, admin, pattern, at_crash)
    for name in names:
        [account] = crashed.soql(f"SELECT Id, SAP_CardCode__c FROM Account WHERE Name = '{name}'")
        [partner] = crashed.partners_of(account["Id"])
        assert partner["CardCode"] == account["SAP_CardCode__c"]
