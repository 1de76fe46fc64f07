"""Runs under injected faults complete, or pause saying why and that they resume, and
reach the same end state as an undisturbed run of the same scenario.

The scenario: initialize accounts and products (the first load), then edits on both sides
and new Salesforce accounts, then a sync of everything. The reference runs it on its own
sandbox pair without faults; each test runs it on a fresh pair under one kind of fault.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rel_world import ACCOUNT_TYPE, World, compare, open_world, snapshot
from report import FULL, Figures

from b1hub.connectors.outcomes import Success
from b1hub.objects.registry import dependency_order
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api

HTTP = {"http": {"connect_timeout": 2.0, "read_timeout": 3.0, "write_timeout": 3.0}}
RETRY = {"retry": {"attempts": 4, "total_seconds": 20.0}}
OUTAGE_SECONDS = 60.0 if FULL else 4.0
SESSION_EVERY = 50 if FULL else 10
SF_DATA = "* /services/data/*"
SL_API = "* /b1s/*"
MAX_ATTEMPTS = 12


def _run_until_done(world: World, step: Callable[[], list[Any]], log: list[str]) -> None:
    """Call ``step`` until every run it makes succeeds; each pause must say why and that
    it resumes."""
    for _ in range(MAX_ATTEMPTS):
        statuses = step()
        paused = [s for s in statuses if s.status is not RunStatus.SUCCEEDED
                  and s.status is not InitStatus.DONE]
        if not paused:
            return
        for summary in paused:
            assert summary.message, summary
            assert "resumes" in summary.message, summary.message
            assert summary.message.split(";")[0].strip() != "paused:", summary.message
            log.append(summary.message)
        time.sleep(0.5)
    raise AssertionError(f"not done after {MAX_ATTEMPTS} attempts: {log[-3:]}")


def _initialize(world: World) -> list[Any]:
    out = []
    for name in ("account", "product"):
        with world.hub.repos() as repos:
            row = repos.objects.get(name)
        if row is None or row.init_status is not InitStatus.DONE:
            out.append(api.initialize(world.hub, name))
    return out


def _sync(world: World) -> list[Any]:
    ready = []
    for spec in dependency_order():
        with world.hub.repos() as repos:
            if repos.objects.get(spec.name) and repos.objects.is_initialized(spec.name):
                ready.append(spec.name)
    return [api.run_object(world.hub, name) for name in ready]


def _changes(world: World) -> None:
    rng = random.Random(7)
    codes = sorted(world.customers)
    sap_side, sf_side = rng.sample(codes, 8)[:4], rng.sample(codes, 8)[4:]
    with world.hub.service_layer() as sl:
        for n, code in enumerate(sorted(set(sap_side) - set(sf_side))):
            assert isinstance(sl.update("BusinessPartners", code, {"Phone1": f"+1 555 01{n}"}),
                              Success)
    for code in sorted(set(sf_side) - set(sap_side)):
        [row] = world.soql(f"SELECT Id FROM Account WHERE SAP_CardCode__c = '{code}'")
        world.edit_account(row["Id"], {"Email__c": f"fault.{code.lower()}@example.org"})
    for n in range(3):
        world.create_account({"Name": f"Fault Scenario {n} AG", "Type": ACCOUNT_TYPE,
                              "BillingCity": "Bonn"})
    time.sleep(1.1)  # whole-second stamps: every world reads the changes alike


def _scenario(world: World, log: list[str], faults: Callable[[bool], None] | None = None
              ) -> None:
    """The load, the changes (made by people: outside the faults), the sync."""
    _run_until_done(world, lambda: _initialize(world), log)
    if faults is not None:
        faults(False)
    _changes(world)
    if faults is not None:
        faults(True)
    _run_until_done(world, lambda: _sync(world), log)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("faults")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        mp.setenv("B1HUB_STALE_AFTER_SECONDS", "2")
        yield tmp


@pytest.fixture(scope="module")
def reference(home: Path) -> Iterator[Any]:
    with open_world(home / "reference", "reference", customers=20, items=10,
                    sf_overrides={**HTTP, **RETRY}) as world:
        _scenario(world, [])
        yield snapshot(world)


def _faulted(home: Path, name: str) -> Any:
    return open_world(home / name, name, customers=20, items=10,
                      sf_overrides={**HTTP, **RETRY})


def _sap_conn_quick(world: World) -> None:
    conn = world.hub.service_layer_connection()
    world.hub.save_connection(conn.model_copy(update={
        "http": conn.http.model_copy(update=HTTP["http"]),
        "retry": dataclasses.replace(conn.retry, **RETRY["retry"])}))


def _rules(world: World, rules: list[dict[str, Any]], target: str) -> None:
    admin = world.sl_admin if target == "sap" else world.sf_admin
    assert admin.post("/_sandbox/faults", json=rules).status_code == 200


def _injected(world: World) -> tuple[dict[str, int], dict[str, int]]:
    sl = world.sl_admin.get("/_sandbox/counters").json()["faults_injected"]
    sf = world.sf_admin.get("/_sandbox/counters").json()["faults_injected"]
    return sl, sf


def _finish(world: World, reference: Any, figures: Figures, kind: str, log: list[str],
            extra: dict[str, int] | None = None) -> None:
    world.sl_admin.delete("/_sandbox/faults")
    world.sf_admin.delete("/_sandbox/faults")
    sl, sf = _injected(world)
    figures.add_faults(sl, f"{kind}: SAP")
    figures.add_faults(sf, f"{kind}: Salesforce")
    if extra:
        figures.add_faults(extra, kind + ":")
    result = compare(reference, snapshot(world))
    with world.hub.repos() as repos:
        stuck = len(repos.runs.active())
    figures.record(f"Faults: {kind}", pauses=len(log), pause_messages=sorted(set(log))[:3],
                   records_lost=result.lost, records_duplicated=result.duplicated,
                   runs_left_stuck=stuck)
    assert result.differences == {}, result.differences
    assert (result.lost, result.duplicated, stuck) == (0, 0, 0)


def _quick(world: World) -> None:
    _sap_conn_quick(world)


def test_ten_percent_5xx_on_both_sides(home: Path, reference: Any, figures: Figures) -> None:
    with _faulted(home, "errors") as world:
        _quick(world)

        def faults(on: bool) -> None:
            if not on:
                world.sl_admin.delete("/_sandbox/faults")
                world.sf_admin.delete("/_sandbox/faults")
                return
            _rules(world, [{"match": SL_API, "status": 503, "rate": 0.1}], "sap")
            _rules(world, [{"match": SF_DATA, "status": 500, "rate": 0.1}], "salesforce")

        faults(True)
        log: list[str] = []
        _scenario(world, log, faults)
        sl, sf = _injected(world)
        assert sl.get("503", 0) > 0 and sf.get("500", 0) > 0, (sl, sf)
        _finish(world, reference, figures, "10 % 5xx", log)


@pytest.mark.full
def test_timeouts_and_latency_spikes(home: Path, reference: Any, figures: Figures) -> None:
    with _faulted(home, "slow") as world:
        _quick(world)

        def faults(on: bool) -> None:
            if not on:
                world.sl_admin.delete("/_sandbox/faults")
                world.sf_admin.delete("/_sandbox/faults")
                return
            for target, match in (("sap", SL_API), ("salesforce", SF_DATA)):
                _rules(world, [{"match": match, "action": "hang", "hang_seconds": 5.0,
                                "every": 9, "remaining": 2},
                               {"match": match, "action": "latency", "latency_ms": 1200,
                                "rate": 0.15}], target)

        faults(True)
        log: list[str] = []
        _scenario(world, log, faults)
        sl, sf = _injected(world)
        assert sl.get("hang", 0) + sf.get("hang", 0) >= 2, (sl, sf)
        assert sl.get("latency", 0) + sf.get("latency", 0) > 0, (sl, sf)
        _finish(world, reference, figures, "timeouts and latency", log)


def test_sessions_expiring_every_n_requests(home: Path, reference: Any,
                                            figures: Figures) -> None:
    with _faulted(home, "sessions") as world:
        _quick(world)
        # small pages: the scenario's 20 partners must take well over two session lifetimes
        conn = world.hub.service_layer_connection()
        world.hub.save_connection(conn.model_copy(update={"page_size": 2}))
        configured = world.sl_admin.post("/_sandbox/config",
                                         json={"expire_sessions_every": SESSION_EVERY})
        assert configured.json()["expire_sessions_every"] == SESSION_EVERY
        _rules(world, [{"match": SF_DATA, "status": 401, "every": SESSION_EVERY,
                        "body": [{"message": "Session expired or invalid",
                                  "errorCode": "INVALID_SESSION_ID"}]}], "salesforce")
        log: list[str] = []
        _scenario(world, log)
        # a scenario sends Salesforce few requests (whole Collections calls): quiet syncs
        # go on until its sessions have expired at least twice, as over a day of polls
        for _ in range(4 * SESSION_EVERY):
            if _injected(world)[1].get("401", 0) >= 2:
                break
            _run_until_done(world, lambda: _sync(world), log)
        assert _injected(world)[1].get("401", 0) >= 2, _injected(world)
        requests = world.sl_admin.get("/_sandbox/counters").json()["total"]
        logins = world.sl_admin.get("/_sandbox/counters").json()["routes"].get("POST Login", 0)
        assert requests > 2 * SESSION_EVERY and logins >= 3, (requests, logins)
        world.sl_admin.post("/_sandbox/config", json={"expire_sessions_every": None})
        _finish(world, reference, figures, f"sessions expiring every {SESSION_EVERY}", log,
                {"SAP sessions expired": requests // SESSION_EVERY})


@pytest.mark.full
def test_unable_to_lock_row_bursts(home: Path, reference: Any, figures: Figures) -> None:
    with _faulted(home, "locks") as world:
        _quick(world)
        assert world.sf_admin.post("/_sandbox/config",
                                   json={"lock_error_rate": 0.3}).status_code == 200
        log: list[str] = []
        _scenario(world, log)
        world.sf_admin.post("/_sandbox/config", json={"lock_error_rate": 0.0})
        assert _injected(world)[1].get("UNABLE_TO_LOCK_ROW", 0) > 0
        _finish(world, reference, figures, "UNABLE_TO_LOCK_ROW at 30 %", log)


@pytest.mark.full
def test_a_sandbox_down_in_the_middle_of_a_run(home: Path, reference: Any,
                                                figures: Figures) -> None:
    with _faulted(home, "outage") as world:
        _quick(world)
        started = threading.Event()

        def outage() -> None:
            deadline = time.monotonic() + 60
            while world.sl_admin.get("/_sandbox/faults").json():
                assert time.monotonic() < deadline, "the sync never reached its SAP write"
                time.sleep(0.05)
            started.set()
            world.proc.stop()
            time.sleep(OUTAGE_SECONDS)
            world.proc.start()

        _run_until_done(world, lambda: _initialize(world), [])
        _rules(world, [{"match": "POST */$batch", "action": "latency", "latency_ms": 300,
                        "remaining": 1}], "sap")
        log: list[str] = []
        _changes(world)
        first: list[Any] = []
        thread = threading.Thread(target=lambda: first.extend(_sync(world)))
        thread.start()
        outage()
        thread.join()
        assert started.is_set()
        for summary in first:
            if summary.status is not RunStatus.SUCCEEDED:
                assert summary.message and "resumes" in summary.message, summary
                log.append(summary.message)
        _run_until_done(world, lambda: _sync(world), log)
        _finish(world, reference, figures, f"sandbox down {OUTAGE_SECONDS:.0f} s mid-run", log,
                {"sandbox restarts": 1})


def test_daily_api_allocation_exhausted_mid_run(home: Path, reference: Any,
                                                figures: Figures) -> None:
    with _faulted(home, "limit") as world:
        _quick(world)
        log: list[str] = []
        _run_until_done(world, lambda: _initialize(world), log)
        _changes(world)
        used = world.sf_admin.get("/_sandbox/usage").json()["used"]
        world.sf_admin.post("/_sandbox/config", json={"daily_api_limit": used + 4})
        summaries = _sync(world)
        paused = [s for s in summaries if s.status is RunStatus.PAUSED]
        assert paused, summaries
        for summary in paused:
            assert "API limit" in (summary.message or ""), summary.message
            assert "resumes" in (summary.message or ""), summary.message
            log.append(summary.message or "")
        world.sf_admin.post("/_sandbox/config", json={"daily_api_limit": 1_000_000})
        _run_until_done(world, lambda: _sync(world), log)
        _finish(world, reference, figures, "daily API allocation exhausted", log,
                {"allocation exhausted": 1})
