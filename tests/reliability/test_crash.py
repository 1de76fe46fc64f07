"""Crash safety at scale: an initial load and a two-way sync, SIGKILLed over and over.

Two sandbox pairs with the same seed get the same data and the same changes. The
reference integration runs each phase uninterrupted; the crashed one runs it in a child
process killed with SIGKILL at random points (seeded), once inside a Bulk API job (its
results held by a latency fault) and once inside a Service Layer ``$batch``, restarted
each time. At the end both systems and the link store must match the reference record for
record: nothing lost, nothing duplicated, no run left running.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rel_world import ACCOUNT_TYPE, World, compare, open_world, snapshot
from report import FULL, Figures

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import Success
from b1hub.runner.embedded import recover_stalled_runs

STALE = "1"
CHILD = """
import sys
from b1hub.hub import Hub
from b1hub.objects.registry import dependency_order
from b1hub.store.types import InitStatus
from b1hub.sync import api
hub = Hub.open(sys.argv[1])
for spec in dependency_order():
    with hub.repos() as repos:
        row = repos.objects.get(spec.name)
        ready = row is not None and row.init_status is InitStatus.DONE
    if ready:
        api.run_object(hub, spec.name)
    elif spec.name in ("account", "product"):
        api.initialize(hub, spec.name)
"""
BULK_RESULTS = "GET */jobs/ingest/*/successfulResults*"
SAP_BATCH = "POST */$batch"
HOLD_MS = 3000
"""A held request completes this long after it arrived: after the kill, like a write
that landed while its client died."""


@dataclass(frozen=True)
class Scale:
    size: str
    extra_customers: int
    bulk_threshold: int
    load_kills: int
    sync_kills: int
    edits: int
    new_accounts: int


SCALE = (Scale("medium", 9_000, 500, 25, 25, 400, 60) if FULL
         else Scale("small", 150, 100, 3, 3, 20, 4))


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, World]]:
    tmp = tmp_path_factory.mktemp("crash")
    overrides = {"bulk_threshold": SCALE.bulk_threshold}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        mp.setenv("B1HUB_STALE_AFTER_SECONDS", STALE)
        with open_world(tmp / "reference", "reference", size=SCALE.size,
                        extra_customers=SCALE.extra_customers, sf_overrides=overrides) as ref, \
                open_world(tmp / "crashed", "crashed", size=SCALE.size,
                           extra_customers=SCALE.extra_customers,
                           sf_overrides=overrides) as crashed:
            yield ref, crashed


def _child(world: World) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration],
                            env=dict(os.environ), stderr=subprocess.PIPE)


def _finish(child: subprocess.Popen[bytes]) -> None:
    _, err = child.communicate(timeout=900)
    assert child.returncode == 0, err.decode()[-3000:]


def _uninterrupted(world: World) -> float:
    started = time.perf_counter()
    _finish(_child(world))
    return time.perf_counter() - started


def _hold(admin: httpx.Client, pattern: str) -> None:
    rule = {"match": pattern, "action": "latency", "latency_ms": HOLD_MS, "remaining": 1}
    assert admin.post("/_sandbox/faults", json=rule).status_code == 200


def _crash_phase(world: World, rng: random.Random, kills: int, window: tuple[float, float],
                 special: dict[int, str]) -> Counter[str]:
    """Run the phase in children killed ``kills`` times, then once to the end."""
    survived: Counter[str] = Counter()
    for attempt in range(kills):
        kind = special.get(attempt, "hub")
        held = {"bulk": (world.sf_admin, BULK_RESULTS),
                "batch": (world.sl_admin, SAP_BATCH)}.get(kind)
        if held is not None:
            _hold(*held)
        child = _child(world)
        try:
            if held is not None:
                deadline = time.monotonic() + 300
                while held[0].get("/_sandbox/faults").json() and child.poll() is None:
                    assert time.monotonic() < deadline, f"never reached the {kind} request"
                    time.sleep(0.05)
                time.sleep(0.3)
            else:
                deadline = time.monotonic() + rng.uniform(*window)
                while child.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                assert child.wait(30) == -signal.SIGKILL
                survived[kind] += 1
                if held is not None:
                    time.sleep(HOLD_MS / 1000)  # let the held request land
            else:
                _finish(child)  # it ended before its kill point: the phase is done
        finally:
            world.sl_admin.delete("/_sandbox/faults")
            world.sf_admin.delete("/_sandbox/faults")
            if child.poll() is None:
                child.kill()
                child.wait()
        time.sleep(float(STALE) + 0.3)
    _finish(_child(world))
    return survived


def _changes(world: World, rng: random.Random) -> None:
    """The same edits on both sides and new Salesforce accounts in every world."""
    codes = sorted(world.customers)
    picked = rng.sample(codes, 2 * SCALE.edits)
    sf_side, sap_side = sorted(picked[:SCALE.edits]), sorted(picked[SCALE.edits:])
    with world.hub.service_layer() as sl:
        outcomes = sl.write_batch("BusinessPartners", "update", [
            WriteRecord(c, {"Phone1": f"+1 555 {n:04d}"}, c) for n, c in enumerate(sap_side)])
        assert all(isinstance(o, Success) for o in outcomes), outcomes[:3]
    ids = {}
    for start in range(0, len(sf_side), 200):
        listed = ", ".join(f"'{c}'" for c in sf_side[start:start + 200])
        ids.update({r["SAP_CardCode__c"]: r["Id"] for r in world.soql(
            f"SELECT Id, SAP_CardCode__c FROM Account WHERE SAP_CardCode__c IN ({listed})")})
    with world.salesforce_user() as sf:
        edits = [WriteRecord(c, {"Email__c": f"edited.{c.lower()}@example.org"}, ids[c])
                 for c in sf_side]
        news = [WriteRecord(f"n{n}", {"Name": f"Reliability New {n:04d} GmbH",
                                      "Type": ACCOUNT_TYPE, "BillingCity": "Kiel"})
                for n in range(SCALE.new_accounts)]
        for op, records in (("update", edits), ("create", news)):
            outcomes = sf.write_batch("Account", op, records, via="collections")
            assert all(isinstance(o, Success) for o in outcomes), outcomes[:3]


def _stuck(world: World) -> int:
    recover_stalled_runs(world.hub.store)  # what the runner's maintenance does
    with world.hub.repos() as repos:
        return len(repos.runs.active())


def _check(reference: World, crashed: World, figures: Figures, phase: str,
           survived: Counter[str], seconds: float) -> None:
    expected, actual = snapshot(reference), snapshot(crashed)
    result = compare(expected, actual)
    errors = {p: rows[:3] for p, rows in expected.parts.items() if p.startswith("open") and rows}
    assert errors == {}, errors  # the reference itself synced everything
    stuck = _stuck(crashed)
    records = sum(len(rows) for part, rows in expected.parts.items()
                  if not part.startswith(("links", "open")))
    figures.record(f"Crash safety: {phase}", records_compared=records,
                   kills=sum(survived.values()), kills_by_point=dict(survived),
                   records_lost=result.lost, records_duplicated=result.duplicated,
                   runs_left_stuck=stuck, reference_seconds=round(seconds, 1),
                   seed=SEED)
    assert result.differences == {}, result.differences
    assert (result.lost, result.duplicated, stuck) == (0, 0, 0)


SEED = 20260412


def test_initial_load_then_two_way_sync_survive_sigkill(
    worlds: tuple[World, World], figures: Figures
) -> None:
    reference, crashed = worlds
    assert reference.customers == crashed.customers
    rng = random.Random(SEED)

    seconds = _uninterrupted(reference)
    window = (0.5, max(2.0, seconds / 4))
    survived = _crash_phase(crashed, rng, SCALE.load_kills, window, {1: "bulk", 2: "batch"})
    assert survived["bulk"] == survived["batch"] == 1, survived
    assert sum(survived.values()) == SCALE.load_kills, survived
    _check(reference, crashed, figures, "initial load", survived, seconds)

    for world in worlds:
        _changes(world, random.Random(SEED))
    time.sleep(1.1)  # whole-second stamps: both sandboxes read the changes alike
    seconds = _uninterrupted(reference)
    window = (0.2, max(1.0, seconds / 2))
    survived = _crash_phase(crashed, rng, SCALE.sync_kills, window, {0: "batch"})
    assert survived["batch"] == 1, survived
    _check(reference, crashed, figures, "two-way sync", survived, seconds)
    assert Path(crashed.proc.data_dir).exists()
