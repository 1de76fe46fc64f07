"""Runner fixtures: a private B1HUB_HOME (SQLite store) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b1hub.hub import Hub


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "b1hub-home"
    monkeypatch.setenv("B1HUB_HOME", str(path))
    for name in ("B1HUB_DATABASE_URL", "B1HUB_INTEGRATION", "B1HUB_SECRET_KEY",
                 "B1HUB_STALE_AFTER_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def hub(home: Path) -> Iterator[Hub]:
    opened = Hub.open()
    yield opened
    opened.close()
