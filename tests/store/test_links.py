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
from b1hub.store.repositories import (
    LinkConflictError,
    LinkResult,
    LinkState,
    Repositories,
    SelectionEntry,
)

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


def _sf_id(n: int) -> str:
    return f"001{n:012d}AAA"


def test_save_many_creates_missing_links_and_records_the_sync_on_existing_ones(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, other = two_integrations
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    synced = datetime(2026, 1, 2, tzinfo=UTC)
    with store.transaction() as session:
        existing = Repositories(session, default).links.insert_or_get(
            "account", "C0", _sf_id(0), sap_hash="old", sf_hash="old-sf", synced_at=earlier)
        Repositories(session, other).links.insert_or_get("account", "C1", _sf_id(1))
    states = [LinkState(f"C{n}", _sf_id(n), {"name": f"N{n}"}, sap_hash=f"h{n}")
              for n in range(1200)]  # more than one statement's worth (500)
    with store.transaction() as session:
        saved = Repositories(session, default).links.save_many("account", states,
                                                               synced_at=synced)
        assert saved.conflicts == []
        assert len(saved.links) == 1200
        assert saved.links["C0"].id == existing.link.id
        assert saved.links["C0"].sap_hash == "h0"
    with store.transaction() as session:
        links = Repositories(session, default).links
        assert links.count("account") == 1200
        c0, c999 = links.by_sap_key("account", "C0"), links.by_sap_key("account", "C999")
        assert c0 is not None and c999 is not None
        # a hash given as None leaves the stored one; the rest is what was synced
        assert (c0.sap_hash, c0.sf_hash, c0.base_values, c0.last_synced_at) == (
            "h0", "old-sf", {"name": "N0"}, synced)
        assert (c999.sf_id, c999.sap_hash, c999.base_values) == (
            _sf_id(999), "h999", {"name": "N999"})
        # the other integration's link of C1 is untouched
        assert Repositories(session, other).links.count("account") == 1


def test_save_many_returns_contradicting_pairs_as_conflicts_and_saves_the_rest(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        links = Repositories(session, default).links
        links.insert_or_get("account", "C1", _sf_id(1))
        saved = links.save_many("account", [
            LinkState("C1", _sf_id(9), None),  # C1 is linked to another record
            LinkState("C2", _sf_id(1), None),  # that record is C1's
            LinkState("C3", _sf_id(3), None),
        ], synced_at=datetime(2026, 1, 2, tzinfo=UTC))
    assert sorted(saved.links) == ["C3"]
    assert [c.wanted for c in saved.conflicts] == [("C1", _sf_id(9)), ("C2", _sf_id(1))]
    assert all(c.existing and c.existing[0].sap_key == "C1" for c in saved.conflicts)
    assert _link_count(store) == 2


def test_unsynced_finds_marked_records_without_a_link_or_with_another_type(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, other = two_integrations
    with store.transaction() as session:
        repos = Repositories(session, default)
        repos.selections.mark("account", [
            SelectionEntry("C1", "Customer - Direct"), SelectionEntry("C2", "Customer - Direct"),
            SelectionEntry("C3", "Customer - Channel"), SelectionEntry("C4", "Customer - Direct")])
        repos.links.save_many("account", [
            LinkState("C2", _sf_id(2), {"__type": "Customer - Direct"}),
            LinkState("C3", _sf_id(3), {"__type": "Customer - Direct"}),  # re-marked
            LinkState("C4", _sf_id(4), {"name": "typed before types were kept"}),
        ], synced_at=datetime(2026, 1, 2, tzinfo=UTC))
        Repositories(session, other).selections.mark(
            "account", [SelectionEntry("C9", "Customer - Direct")])
        repos.selections.mark("product", [SelectionEntry("I1")])
        repos.links.save_many("product", [LinkState("I1", "01t000000000001AAA", {})],
                              synced_at=datetime(2026, 1, 2, tzinfo=UTC))
    with store.transaction() as session:
        repos = Repositories(session, default)
        assert repos.selections.unsynced("account") == ({"C1"}, {"C3", "C4"})
        assert repos.selections.unsynced("product") == (set(), set())
        c3 = repos.links.by_sap_key("account", "C3")
        assert c3 is not None
        c3.base_values = {**(c3.base_values or {}), "__type": "Customer - Channel"}  # written
        session.flush()
        assert repos.selections.unsynced("account") == ({"C1"}, {"C4"})
        assert repos.selections.types_of("account", ["C1", "C3", "C8"]) == {
            "C1": "Customer - Direct", "C3": "Customer - Channel"}
