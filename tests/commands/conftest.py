"""CLI test fixtures: a private B1HUB_HOME per test, the shared sandbox connected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b1hub.sandbox.process import SandboxProcess
from commands.cli_helpers import ServiceLayer, ok


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own store and secret key."""
    path = tmp_path / "b1hub-home"
    monkeypatch.setenv("B1HUB_HOME", str(path))
    for name in ("B1HUB_DATABASE_URL", "B1HUB_INTEGRATION", "B1HUB_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture(scope="session")
def sandbox_file(sandbox_process: SandboxProcess) -> Path:
    return sandbox_process.data_dir / "sandbox.json"


@pytest.fixture
def connected(sandbox_file: Path) -> Path:
    """The default integration connected to the shared sandbox."""
    ok("connect", "--from-sandbox", str(sandbox_file))
    return sandbox_file


@pytest.fixture
def service_layer(sandbox_info: dict[str, Any]) -> Iterator[ServiceLayer]:
    client = ServiceLayer(sandbox_info)
    yield client
    client.close()
