"""A fresh sandbox and an initialized hub per e2e module (they change data freely)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_world import World, open_world
from kill import STALE_SECONDS


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Connected, activated, 20 customers and 10 items marked; not yet initialized."""
    tmp = tmp_path_factory.mktemp("e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("B1HUB_HOME", str(tmp / "home"))
        with open_world(tmp / "sandbox") as opened:
            yield opened


@pytest.fixture
def stale_fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("B1HUB_STALE_AFTER_SECONDS", STALE_SECONDS)  # the killed run's lock
    yield
