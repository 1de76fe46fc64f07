"""Start the sandboxes in a child process: for tests, benchmarks and the demo.

The child is the real ``b1hub sandbox`` command, so everything talks to it over real
HTTPS exactly as to the real systems.

>>> with SandboxProcess(Path("/tmp/sbx")) as sbx:          # doctest: +SKIP
...     sbx.info["service_layer"]["url"]
'https://127.0.0.1:41234/b1s/v2'
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from b1hub.sandbox.config import SANDBOX_FILE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SandboxProcess:
    """A ``b1hub sandbox`` child process on free loopback ports."""

    def __init__(
        self,
        data_dir: Path,
        *,
        seed: int = 42,
        size: str = "small",
        sf_api_limit: int | None = None,
        startup_timeout: float = 600.0,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self.size = size
        self.sf_api_limit = sf_api_limit
        self.startup_timeout = startup_timeout
        self.log_file = log_file or data_dir / "sandbox.log"
        self.sap_port = free_port()
        self.sf_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.startup_seconds = 0.0

    def start(self) -> SandboxProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / SANDBOX_FILE).unlink(missing_ok=True)
        cmd = [
            sys.executable, "-m", "b1hub.cli", "sandbox",
            "--data-dir", str(self.data_dir),
            "--sap-port", str(self.sap_port),
            "--sf-port", str(self.sf_port),
            "--seed", str(self.seed),
            "--size", self.size,
        ]
        if self.sf_api_limit is not None:
            cmd += ["--sf-api-limit", str(self.sf_api_limit)]
        log = self.log_file.open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
        target = self.data_dir / SANDBOX_FILE
        while not target.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"sandbox exited with {self.proc.returncode}; see {self.log_file}:\n"
                    + self.log_file.read_text()[-3000:]
                )
            if time.perf_counter() - started > self.startup_timeout:
                self.stop()
                raise TimeoutError(f"sandbox did not start within {self.startup_timeout}s")
            time.sleep(0.05)
        self.startup_seconds = time.perf_counter() - started
        self.info = json.loads(target.read_text())
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> SandboxProcess:
        self.stop()
        return self.start()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
