"""A `b1hub worker` SIGKILLed mid-run, on the real PostgreSQL, with the real engine.

Two `b1hub worker` processes serve the queue; a Sync Now of ``account`` that creates five
Salesforce accounts is held in flight by a sandbox latency fault while its worker is
killed. The other worker's dispatcher hands the stalled job back once the stale limit
passes, the run resumes from the checkpoint there and completes: every customer exists
once in Salesforce (counted by SAP_CardCode__c) and the run record tells the story.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import RunStatus
from runner.test_distributed import pg_url

__all__ = ["pg_url"]  # the per-test PostgreSQL database fixture

ACCOUNT_TYPE = "Customer - Direct"
STALE_SECONDS = "2"
UPSERT = "PATCH */composite/sobjects/Account/SAP_CardCode__c"


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def spawn_worker(log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "b1hub.cli", "worker", "--concurrency", "1"],
            env=dict(os.environ), stdout=sink, stderr=subprocess.STDOUT,
        )


def wait_for(condition: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def salesforce_codes(hub: Hub) -> Counter[str]:
    with hub.salesforce() as sf:
        codes: Counter[str] = Counter()
        for page in sf.query("SELECT SAP_CardCode__c FROM Account "
                             "WHERE SAP_CardCode__c != null"):
            assert isinstance(page, list), page
            codes.update(str(r["SAP_CardCode__c"]) for r in page)
        return codes


def test_a_worker_killed_mid_run_is_recovered_without_duplicates(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)
    with SandboxProcess(tmp_path / "sandbox") as proc:
        cli("db", "upgrade")
        cli("connect", "--from-sandbox", str(proc.data_dir / "sandbox.json"))
        cli("activate")
        hub = Hub.open(url=pg_url)
        with hub.service_layer() as sl:
            customers = [str(r["CardCode"]) for page in sl.iter_pages(
                "BusinessPartners", select=["CardCode"], filter="CardType eq 'cCustomer'")
                if isinstance(page, list) for r in page]
        cli("select", "customers", "--codes", ",".join(customers[:5]),
            "--account-type", ACCOUNT_TYPE)
        cli("init", "account", "--no-progress")
        with hub.repos() as repos:
            linked = repos.links.by_sap_keys("account", customers)
        fresh = [c for c in customers[5:] if c not in linked][:5]
        assert len(fresh) == 5

        sf = proc.info["salesforce"]
        admin = httpx.Client(base_url=sf["instance_url"], timeout=30,
                             verify=ssl.create_default_context(cafile=sf["ca_cert"]))
        workers = [spawn_worker(tmp_path / f"worker-{n}.log") for n in range(2)]
        try:
            wait_for(lambda: _registered_workers(hub) == 2, "two registered workers")
            held = {"match": UPSERT, "action": "latency", "latency_ms": 3000, "remaining": 1}
            assert admin.post("/_sandbox/faults", json=held).status_code == 200
            with hub.repos() as repos:
                repos.selections.mark("account", [SelectionEntry(c, ACCOUNT_TYPE)
                                                  for c in fresh])
            [queued] = json.loads(cli("sync", "account", "--queue", "--json"))
            run_id = int(queued["run_id"])

            wait_for(lambda: admin.get("/_sandbox/faults").json() == [],
                     "the account upsert to be in flight")
            executor = wait_for(lambda: _run(hub, run_id).worker, "the run's worker")
            victim = next(w for w in workers if executor.endswith(f":{w.pid}"))
            time.sleep(0.2)
            victim.send_signal(signal.SIGKILL)
            assert victim.wait(10) == -signal.SIGKILL
            assert _run(hub, run_id).status is RunStatus.RUNNING  # dead, not yet known

            run = wait_for(lambda: _final(hub, run_id), "the run to finish elsewhere", 90)
        finally:
            admin.delete("/_sandbox/faults")
            admin.close()
            _stop(workers)
        survivor = next(w for w in workers if w is not victim)
        assert run.status is RunStatus.SUCCEEDED, (run.message, _logs(tmp_path))
        # the run record shows the hand-over: started by the victim, finished by the survivor
        assert run.worker is not None and run.worker.endswith(f":{survivor.pid}")
        assert run.worker != executor

        codes = salesforce_codes(hub)
        assert [c for c, n in codes.items() if n > 1] == []  # no duplicate account
        assert all(codes[c] == 1 for c in customers[:5] + fresh)
        with hub.repos() as repos:
            assert sorted(repos.links.by_sap_keys("account", fresh)) == sorted(fresh)
            assert repos.outcomes.open_errors("account") == []
            assert repos.runs.active() == []
        hub.close()


def _registered_workers(hub: Hub) -> int:
    with hub.store.engine.connect() as connection:
        return int(connection.execute(
            text("SELECT count(*) FROM procrastinate_workers")).scalar() or 0)


def _run(hub: Hub, run_id: int) -> Any:
    with hub.repos() as repos:
        return repos.runs.get(run_id)


def _final(hub: Hub, run_id: int) -> Any:
    run = _run(hub, run_id)
    return run if run is not None and run.status not in (RunStatus.QUEUED,
                                                          RunStatus.RUNNING) else None


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-3000:]
                     for p in sorted(tmp_path.glob("worker-*.log")))
