"""Links: unique both ways per integration, and racing creators end with exactly one row."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from b1hub.store import Store
from b1hub.store.models import Link
from b1hub.store.repositories import LinkConflictError, LinkResult, Repositories

from ._workers import race_link

SF1, SF2 = "001000000000001AAA", "001000000000002AAA"


def _link_count(store: Store) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Link)) or 0)


def test_insert_or_get_creates_once_then_returns_the_same_link(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    synced = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with store.transaction() as session:
        links = Repositories(session, default).links
        first = links.insert_or_get("account", "C1", SF1, sap_hash="a", synced_at=synced)
        again = links.insert_or_get("account", "C1", SF1, sap_hash="ignored")
    assert first.created is True
    assert again.created is False
    assert again.link.id == first.link.id
    assert again.link.sap_hash == "a"
    assert again.link.last_synced_at == synced


def test_links_are_unique_both_ways(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        links = Repositories(session, default).links
        links.insert_or_get("account", "C1", SF1)
        with pytest.raises(LinkConflictError, match="C1 <-> 001000000000001AAA"):
            links.insert_or_get("account", "C1", SF2)
        with pytest.raises(LinkConflictError):
            links.insert_or_get("account", "C2", SF1)
        # The same keys under another object are a different link.
        assert links.insert_or_get("lead", "C1", SF2).created is True
    for duplicate in (
        Link(integration_id=default, object="account", sap_key="C1", sf_id=SF2),
        Link(integration_id=default, object="account", sap_key="C9", sf_id=SF1),
    ):
        with pytest.raises(IntegrityError), store.transaction() as session:
            session.add(duplicate)
    assert _link_count(store) == 2


def test_eight_threads_racing_the_same_link_make_one_row(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    barrier = threading.Barrier(8)
    results: list[LinkResult] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait()
            with store.transaction() as session:
                result = Repositories(session, default).links.insert_or_get("account", "C7", SF1)
            results.append(result)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 8
    assert len({r.link.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert _link_count(store) == 1


def test_processes_racing_the_same_link_make_one_row(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(4, mp_context=context) as pool:
        barrier = manager.Barrier(4)
        futures = [pool.submit(race_link, url, default, "C8", SF2, barrier) for _ in range(4)]
        outcomes = [future.result(timeout=60) for future in futures]
    assert len({link_id for link_id, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert _link_count(store) == 1


def test_lookups_and_record_sync(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    keys = [f"C{n:06d}" for n in range(1, 601)]
    with store.transaction() as session:
        links = Repositories(session, default).links
        for n, key in enumerate(keys):
            links.insert_or_get("account", key, f"001{n:015d}")
        found = links.by_sap_keys("account", [*keys, "MISSING"])
        assert len(found) == 600
        assert found["C000007"].sf_id == "001000000000000006"
        by_sf = links.by_sf_ids("account", ["001000000000000006", "nope"])
        assert list(by_sf) == ["001000000000000006"]
        link = links.by_sap_key("account", "C000001")
        assert link is not None
        when = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        links.record_sync(link, sf_hash="new-sf", sf_updated=when, synced_at=when)
    with store.transaction() as session:
        links = Repositories(session, default).links
        reread = links.by_sf_id("account", "001000000000000000")
        assert reread is not None
        assert (reread.sap_key, reread.sf_hash, reread.sap_hash) == ("C000001", "new-sf", None)
        assert reread.sf_updated == when
        assert links.count("account") == 600
        assert [x.sap_key for x in links.page("account", limit=2, offset=1)] == [
            "C000002",
            "C000003",
        ]
        assert links.unlink("account", "C000001") is True
        assert links.by_sap_key("account", "C000001") is None


def test_times_come_back_as_aware_utc_and_naive_ones_are_refused(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    """SAP times are company-local: the store keeps the instant, never a guessed zone."""
    default, _ = two_integrations
    berlin = datetime(2026, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with store.transaction() as session:
        Repositories(session, default).links.insert_or_get("account", "C1", SF1, sap_updated=berlin)
    with store.transaction() as session:
        link = Repositories(session, default).links.by_sap_key("account", "C1")
        assert link is not None and link.sap_updated is not None
        assert link.sap_updated == berlin
        assert link.sap_updated.utcoffset() == timedelta(0)
    with pytest.raises(StatementError, match="naive datetime"), store.transaction() as session:
        Repositories(session, default).links.insert_or_get(
            "account", "C2", SF2, sap_updated=datetime(2026, 7, 1, 14, 30)
        )
