"""`b1hub demo`: one command from nothing to a logged-in console over initialized data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .support import csrf_of


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serves_an_initialized_scheduled_hub(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("B1HUB_HOME", "B1HUB_DATABASE_URL")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "b1hub.cli", "demo", "--data-dir", str(tmp_path / "demo"),
         "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        assert proc.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + 120
        while not any("password (shown once)" in line for line in printed):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(printed)
            printed.append(line)
            assert time.monotonic() < deadline, "".join(printed)
        banner = next(line for line in printed if "password (shown once)" in line)
        found = re.search(r"(http://\S+)/ .*shown once\): (\S+)", banner)
        assert found, banner
        url, password = found.groups()
        assert url == f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as client:
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = csrf_of(client.get("/login").text)
            login = client.post("/login", data={"username": "admin", "password": password,
                                                "csrf_token": token})
            assert login.status_code == 303
            objects = {o["name"]: o for o in client.get("/api/v1/objects").json()}
            assert objects["account"]["initialized"] and objects["product"]["initialized"]
            assert objects["account"]["selected"] == 20
            assert objects["account"]["next_run_at"] is not None
        assert any(line.startswith("initialized account:") for line in printed)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
