"""Sync Now latency: one record changed on one side until the other side shows it.

The embedded runner (what ``b1hub serve`` runs) works in this process; each trial
changes a phone number in SAP or in Salesforce (alternating), presses Sync Now through
``enqueue.sync_now`` and polls the other side every few milliseconds. The next trial
waits for the run to finish, so no change is absorbed by a run that already read.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from b1hub.connectors.outcomes import Success
from b1hub.runner.embedded import EmbeddedRunner
from b1hub.runner.enqueue import sync_now
from b1hub.store.repositories.runs import ACTIVE
from benchmarks.hub.scenarios import CHANGED_SHARE, marked, tester
from benchmarks.hub.world import World

POLL = 0.005
TIMEOUT = 60.0


def _wait(check: Callable[[], bool], what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} not seen after {TIMEOUT:.0f} s")
        time.sleep(POLL)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def sync_now_latency(world: World, trials: int) -> dict[str, Any]:
    customers = marked(world, "account")
    pool = customers[CHANGED_SHARE // 4::CHANGED_SHARE // 4 * 2][:trials] or customers[:trials]
    with world.hub.repos() as repos:
        links = repos.links.by_sap_keys("account", pool)
    runner = EmbeddedRunner(world.hub.store)
    runner.start()
    seconds: dict[str, list[float]] = {"sap_to_salesforce": [], "salesforce_to_sap": []}
    tag = time.strftime("%H%M%S")
    try:
        with world.hub.service_layer() as sl, world.hub.salesforce() as sf, \
                tester(world) as person:
            for trial in range(trials):
                code = pool[trial % len(pool)]
                value = f"777-{tag}-{trial:04d}"
                if trial % 2 == 0:
                    done = sl.update("BusinessPartners", code, {"Phone1": value})
                    side = "sap_to_salesforce"
                    soql = f"SELECT Phone FROM Account WHERE SAP_CardCode__c = '{code}'"

                    def seen(soql: str = soql, value: str = value) -> bool:
                        rows = next(iter(sf.query(soql)), None)
                        return isinstance(rows, list) and bool(rows) and \
                            rows[0].get("Phone") == value
                else:
                    done = person.update("Account", links[code].sf_id, {"Phone": value}, code)
                    side = "salesforce_to_sap"

                    def seen(code: str = code, value: str = value) -> bool:
                        got = sl.get("BusinessPartners", code, select=["Phone1"])
                        return isinstance(got, Success) and (got.data or {}).get(
                            "Phone1") == value
                if not isinstance(done, Success):
                    raise RuntimeError(f"changing {code} failed: {done}")
                started = time.perf_counter()
                run = sync_now(world.hub, "account", runner.queue)
                _wait(seen, f"{side} change of {code}")
                seconds[side].append(time.perf_counter() - started)
                _wait(lambda run_id=run.run_id: _finished(world, run_id), f"run {run.run_id}")
    finally:
        runner.stop()
    every = seconds["sap_to_salesforce"] + seconds["salesforce_to_sap"]
    return {
        "trials": len(every),
        "median_s": round(statistics.median(every), 3),
        "p95_s": round(percentile(every, 0.95), 3),
        "max_s": round(max(every), 3),
        "by_direction": {side: {"median_s": round(statistics.median(v), 3),
                                "p95_s": round(percentile(v, 0.95), 3)}
                         for side, v in seconds.items() if v},
    }


def _finished(world: World, run_id: int) -> bool:
    with world.hub.repos() as repos:
        run = repos.runs.get(run_id)
        return run is not None and run.status not in ACTIVE
