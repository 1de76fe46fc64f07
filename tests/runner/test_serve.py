"""`b1hub serve` as a process: probes answer, and a crash plus restart keeps every schedule
and every queued Sync Now (which the restarted runner then executes)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from b1hub.cli import app
from b1hub.hub import Hub
from b1hub.runner.locks import object_lock
from b1hub.store.repositories import SALESFORCE_CONNECTOR
from b1hub.store.types import ObjectDirection, RunStatus

B1HUB = str(Path(sys.executable).parent / "b1hub")
cli = CliRunner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [B1HUB, "serve", "--port", str(port)], env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, "b1hub serve exited while starting"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "b1hub serve did not answer within 30 s"
        time.sleep(0.1)


def run_of(hub: Hub, run_id: int) -> tuple[RunStatus, str | None]:
    with hub.repos() as repos:
        run = repos.runs.get(run_id)
        assert run is not None
        return run.status, run.message


def test_restart_keeps_schedules_and_queued_sync_nows(hub: Hub) -> None:
    with hub.repos() as repos:  # past the engine's gates, so only the object lock holds it
        repos.features.set_active(SALESFORCE_CONNECTOR, True)
        repos.objects.ensure("account", ObjectDirection.BOTH)
        repos.objects.start_initialization("account")
        repos.objects.finish_initialization(
            "account", succeeded=True, linked=0, created=0, held=0
        )
    assert cli.invoke(app, ["schedule", "account", "--daily", "06:00"]).exit_code == 0
    assert cli.invoke(app, ["schedule", "product", "--every", "2h"]).exit_code == 0
    schedules = cli.invoke(app, ["schedule", "list", "--json"]).stdout
    port = free_port()
    with object_lock(hub, "account"):  # a foreground sync of account is in progress
        proc = start_serve(port)
        try:
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            assert (ready.status_code, ready.json()) == (200, {"status": "ready",
                                                               "store": "sqlite"})
            for hidden in ("/docs", "/openapi.json", "/redoc"):
                assert httpx.get(f"http://127.0.0.1:{port}{hidden}").status_code == 404
            queued = json.loads(cli.invoke(app, ["sync", "account", "--queue", "--json"]).stdout)
            run_id = queued[0]["run_id"]
            time.sleep(1.5)  # the runner tries it, finds the object busy, leaves it queued
            assert run_of(hub, run_id)[0] is RunStatus.QUEUED
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc = start_serve(port)
            assert cli.invoke(app, ["schedule", "list", "--json"]).stdout == schedules
            time.sleep(1.5)
            assert run_of(hub, run_id)[0] is RunStatus.QUEUED
        except BaseException:
            proc.kill()
            raise
    try:
        deadline = time.monotonic() + 20
        while run_of(hub, run_id)[0] in (RunStatus.QUEUED, RunStatus.RUNNING):
            assert time.monotonic() < deadline, "the queued run was not picked up"
            time.sleep(0.1)
        status, message = run_of(hub, run_id)
        # executed by the restarted runner: the engine ran it and stopped at the
        # missing SAP connection
        assert status is RunStatus.FAILED
        assert message is not None and "no sap connection" in message
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
