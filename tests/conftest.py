"""Shared fixtures: a real ``b1hub sandbox`` process per test session (per xdist worker)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b1hub.sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """Both sandboxes, size small, seed 42, shared by the tests of one worker.

    Tests that change data use their own keys; tests that inject faults remove them.
    """
    with SandboxProcess(tmp_path_factory.mktemp("sandbox")) as proc:
        yield proc


@pytest.fixture(scope="session")
def sandbox_info(sandbox_process: SandboxProcess) -> dict[str, Any]:
    return sandbox_process.info


def load_info(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "sandbox.json").read_text())
