"""Crash safety at scale: an initial load and a two-way sync, SIGKILLed over and over.

Two sandbox pairs with the same seed get the same data and the same changes. The
reference integration runs each phase uninterrupted; the crashed one runs it in a child
process killed with SIGKILL at random points (seeded) spread over the reference's
duration, once inside a Bulk API job (its results held by a latency fault) and once inside
a Service Layer ``$batch``, restarted each time. A phase initializes every object that
needs it (accounts, products, contacts, leads) and then syncs every object; the two-way
phase brings edits and new records of accounts, contacts and leads from both sides, and
new Salesforce opportunities, quotes and orders. At the end both systems and the link
store must match the reference record for record: nothing lost, nothing duplicated, no run
left running.

Sizes: ``B1HUB_RELIABILITY=full`` is the issue's run (medium seed plus 5,000 extra
customers: over 20,000 records linked by the load, 25 kills per phase). ``B1HUB_CRASH_KILLS``
(kills per phase, at least 2) and ``B1HUB_CRASH_EXTRA`` (extra SAP customers) override the
chosen scale, to time a mid-size run before the full one; ``B1HUB_CRASH_SEED`` draws other
kill points and changes (to hunt, or to replay a failure found with that seed).
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from rel_changes import make_changes
from rel_world import Snapshot, World, compare, open_world, snapshot
from report import FULL, Figures

from b1hub.runner.embedded import recover_stalled_runs

STALE = "1"
CHILD = """
import sys
from b1hub.hub import Hub
from b1hub.objects.registry import dependency_order
from b1hub.store.types import InitStatus, RunStatus
from b1hub.sync import api
hub = Hub.open(sys.argv[1])
for spec in dependency_order():
    with hub.repos() as repos:
        row = repos.objects.get(spec.name)
        done = row is not None and row.init_status is InitStatus.DONE
    if spec.requires_initialization and not done:
        summary = api.initialize(hub, spec.name)
        if summary.status is not InitStatus.DONE:
            sys.exit(f"initialization of {spec.name} ended {summary.status}: {summary.message}")
for summary in api.run_all(hub):
    if summary.status is not RunStatus.SUCCEEDED or summary.failed:
        sys.exit(f"run of {summary.object}: {summary}")
"""
BULK_RESULTS = "GET */jobs/ingest/*/successfulResults*"
SAP_BATCH = "POST */$batch"
HOLD_MS = 3000
"""A held request completes this long after it arrived: after the kill, like a write
that landed while its client died."""
FIRST_KILL_AFTER = 1.0
"""No kill before the child has imported the hub (about 0.7 s): every kill lands in it."""


@dataclass(frozen=True)
class Scale:
    size: str
    extra_customers: int
    bulk_threshold: int
    load_kills: int
    sync_kills: int
    edits: int
    """Account edits per side; contacts and leads get half as many each."""
    new_records: int
    """New accounts, contacts and leads per side, and new opportunities, quotes, orders."""
    min_linked: int
    """Records the initial load must link (the issue's 20,000 in the full run)."""


def _scale() -> Scale:
    scale = (Scale("medium", 5_000, 500, 25, 25, 400, 60, 20_000) if FULL
             else Scale("small", 150, 100, 3, 3, 20, 4, 0))
    if kills := os.environ.get("B1HUB_CRASH_KILLS"):
        assert int(kills) >= 2, "B1HUB_CRASH_KILLS: at least 2 (the Bulk and $batch kills)"
        scale = replace(scale, load_kills=int(kills), sync_kills=int(kills))
    if extra := os.environ.get("B1HUB_CRASH_EXTRA"):  # a timing run: no minimum load
        scale = replace(scale, extra_customers=int(extra), min_linked=0)
    return scale


SCALE = _scale()
SEED = int(os.environ.get("B1HUB_CRASH_SEED") or 20260412)


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


def _log(world: World) -> Path:
    return Path(world.proc.data_dir) / "child.log"


def _child(world: World) -> subprocess.Popen[bytes]:
    """The phase in a child process; its stderr goes to a file (a pipe nobody reads
    while waiting for the kill point would fill up and stall the child)."""
    with _log(world).open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration],
                                env=dict(os.environ), stderr=log)


def _finish(world: World, child: subprocess.Popen[bytes]) -> None:
    child.wait(timeout=3600)
    assert child.returncode == 0, _log(world).read_text(errors="replace")[-3000:]


def _uninterrupted(world: World) -> float:
    started = time.perf_counter()
    _finish(world, _child(world))
    return time.perf_counter() - started


def _hold(admin: httpx.Client, pattern: str) -> None:
    rule = {"match": pattern, "action": "latency", "latency_ms": HOLD_MS, "remaining": 1}
    assert admin.post("/_sandbox/faults", json=rule).status_code == 200


@dataclass
class Crashes:
    survived: Counter[str]
    finished_early: int = 0
    """Children that ended before their kill point (the kill is drawn again)."""
    seconds: float = 0.0


def _kill_points(rng: random.Random, count: int, seconds: float) -> list[float]:
    """Seconds each child lives: the time to import the hub, plus the gap to the next of
    ``count`` random points over the reference's duration. The kills spread over the whole
    phase instead of bunching at its start, and the children together live about as long
    as the reference ran, so the last kills still find work (each restart redoes some)."""
    points = sorted(rng.uniform(0, seconds) for _ in range(count))
    return [FIRST_KILL_AFTER + b - a for a, b in zip([0.0, *points], points, strict=False)]


def _crash_phase(world: World, rng: random.Random, kills: int, seconds: float,
                 special: dict[int, str]) -> Crashes:
    """Run the phase in children killed ``kills`` times, then once to the end."""
    started = time.perf_counter()
    crashes = Crashes(Counter())
    lives = iter(_kill_points(rng, kills - len(special), seconds))
    cap = float("inf")
    attempt = 0
    while attempt < kills:
        kind = special.get(attempt, "hub")
        held = {"bulk": (world.sf_admin, BULK_RESULTS),
                "batch": (world.sl_admin, SAP_BATCH)}.get(kind)
        if held is not None:
            _hold(*held)
        life = 0.0 if held is not None else min(next(lives), cap)
        child = _child(world)
        born = time.monotonic()
        try:
            if held is not None:
                deadline = born + 600
                while held[0].get("/_sandbox/faults").json() and child.poll() is None:
                    assert time.monotonic() < deadline, f"never reached the {kind} request"
                    time.sleep(0.05)
                time.sleep(0.3)
            else:
                while child.poll() is None and time.monotonic() < born + life:
                    time.sleep(0.02)
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                child.wait(30)
            if child.returncode == -signal.SIGKILL:
                crashes.survived[kind] += 1
                attempt += 1
                if held is not None:
                    time.sleep(HOLD_MS / 1000)  # let the held request land
            else:
                _finish(world, child)  # the phase was done before this kill point
                assert held is None, f"the phase ended before its {kind} request"
                crashes.finished_early += 1
                assert crashes.finished_early <= kills, crashes
                cap = max(FIRST_KILL_AFTER, 0.8 * (time.monotonic() - born))
                lives = iter([cap, *lives])
        finally:
            world.sl_admin.delete("/_sandbox/faults")
            world.sf_admin.delete("/_sandbox/faults")
            if child.poll() is None:
                child.kill()
                child.wait()
        time.sleep(float(STALE) + 0.3)
    _finish(world, _child(world))
    crashes.seconds = time.perf_counter() - started
    return crashes


def _stuck(world: World) -> int:
    recover_stalled_runs(world.hub.store)  # what the runner's maintenance does
    with world.hub.repos() as repos:
        return len(repos.runs.active())


def _linked(shot: Snapshot) -> dict[str, int]:
    return {part.removeprefix("links "): len(rows) for part, rows in shot.parts.items()
            if part.startswith("links ")}


def _check(reference: World, crashed: World, figures: Figures, phase: str,
           crashes: Crashes, seconds: float) -> None:
    expected, actual = snapshot(reference), snapshot(crashed)
    result = compare(expected, actual)
    opened = Counter(row[3] for p, rows in expected.parts.items() if p.startswith("open")
                     for row in rows)
    failed = {p: [r for r in rows if r[3] == "failed"][:3] for p, rows in
              expected.parts.items() if p.startswith("open")}
    # the reference itself synced everything it could: what waits (an opportunity of an
    # account outside the selected types) or is held (an ambiguous match) must wait or be
    # held alike in the crashed world, compared with the rest
    assert not any(failed.values()), failed
    stuck = _stuck(crashed)
    records = expected.records()
    linked = _linked(expected)
    figures.record(f"Crash safety: {phase}", records_compared=sum(records.values()),
                   records_linked=sum(linked.values()), linked_by_object=linked,
                   records_by_part=records, open_in_reference=dict(opened),
                   kills=sum(crashes.survived.values()),
                   kills_by_point=dict(crashes.survived),
                   children_done_before_kill_point=crashes.finished_early,
                   records_lost=result.lost, records_duplicated=result.duplicated,
                   runs_left_stuck=stuck, reference_seconds=round(seconds, 1),
                   crashed_seconds=round(crashes.seconds, 1), seed=SEED)
    assert result.differences == {}, result.explain()
    assert (result.lost, result.duplicated, stuck) == (0, 0, 0)


def _counted(records: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in records.items())


def test_initial_load_then_two_way_sync_survive_sigkill(
    worlds: tuple[World, World], figures: Figures
) -> None:
    reference, crashed = worlds
    assert reference.customers == crashed.customers
    rng = random.Random(SEED)

    seconds = _uninterrupted(reference)
    crashes = _crash_phase(crashed, rng, SCALE.load_kills, seconds, {0: "bulk", 1: "batch"})
    assert crashes.survived["bulk"] == crashes.survived["batch"] == 1, crashes
    assert sum(crashes.survived.values()) == SCALE.load_kills, crashes
    _check(reference, crashed, figures, "initial load", crashes, seconds)
    linked = figures.sections["Crash safety: initial load"]["records_linked"]
    assert linked >= SCALE.min_linked, _counted(
        figures.sections["Crash safety: initial load"]["linked_by_object"])

    for world in worlds:
        make_changes(world, random.Random(SEED), SCALE.edits, SCALE.new_records)
    time.sleep(1.1)  # whole-second stamps: both sandboxes read the changes alike
    seconds = _uninterrupted(reference)
    crashes = _crash_phase(crashed, rng, SCALE.sync_kills, seconds, {0: "batch"})
    assert crashes.survived["batch"] == 1, crashes
    assert sum(crashes.survived.values()) == SCALE.sync_kills, crashes
    _check(reference, crashed, figures, "two-way sync", crashes, seconds)
    assert Path(crashed.proc.data_dir).exists()
