"""Where the hub keeps its state, read from the environment on every call (tests change it)."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "B1HUB_HOME"
DATABASE_URL_ENV = "B1HUB_DATABASE_URL"


def b1hub_home() -> Path:
    """B1HUB_HOME or ~/.b1hub, created (owner-only) if missing."""
    raw = os.environ.get(HOME_ENV)
    home = Path(raw).expanduser() if raw else Path.home() / ".b1hub"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def database_url() -> str:
    """B1HUB_DATABASE_URL (distributed mode, PostgreSQL) or the embedded SQLite file."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return f"sqlite:///{b1hub_home() / 'b1hub.db'}"
