"""Code run in child processes by the concurrency tests (must be importable, not a test)."""

from __future__ import annotations

from typing import Any

from b1hub.store import open_store
from b1hub.store.repositories import Repositories


def race_link(
    url: str, integration_id: int, sap_key: str, sf_id: str, barrier: Any
) -> tuple[int, bool]:
    """Open the store, wait for every racer, then insert-or-get the same link."""
    store = open_store(url, migrate=False)
    try:
        with store.engine.connect():
            pass
        barrier.wait()
        with store.transaction() as session:
            result = Repositories(session, integration_id).links.insert_or_get(
                "account", sap_key, sf_id
            )
            return result.link.id, result.created
    finally:
        store.dispose()
