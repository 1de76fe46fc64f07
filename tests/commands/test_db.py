"""`b1hub db upgrade`: brings an empty store to the latest migration, then is a no-op."""

from __future__ import annotations

from pathlib import Path

from b1hub.store.migrate import current_revision, head_revision
from commands.cli_helpers import ok


def test_upgrade_creates_then_reports_up_to_date(home: Path) -> None:
    first = ok("db", "upgrade").stdout
    head = head_revision()
    assert first.strip().endswith(f"upgraded empty -> {head}")
    assert (home / "b1hub.db").exists()
    assert current_revision() == head
    assert ok("db", "upgrade").stdout.strip().endswith(f"already at {head}")
