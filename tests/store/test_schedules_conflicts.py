"""Schedules persist and validate; conflicts keep both versions until resolved."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from b1hub.store import Store
from b1hub.store.models import Conflict
from b1hub.store.repositories import Repositories, due_schedules
from b1hub.store.types import ConflictResolution, ConflictStatus, ScheduleKind

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_schedule_shapes_are_validated(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        schedules = Repositories(session, default).schedules
        with pytest.raises(ValueError, match="time of day"):
            schedules.set("account", ScheduleKind.DAILY)
        with pytest.raises(ValueError, match="at least one weekday"):
            schedules.set("account", ScheduleKind.WEEKLY, time_of_day=time(6, 30))
        with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
            schedules.set("account", ScheduleKind.WEEKLY, time_of_day=time(6), weekdays=[7])
        with pytest.raises(ValueError, match="interval_minutes"):
            schedules.set("account", ScheduleKind.INTERVAL, interval_minutes=0)
        with pytest.raises(ValueError, match="unknown time zone"):
            schedules.set("account", ScheduleKind.NEVER, timezone="Nowhere/Land")
        assert schedules.all() == []


def test_schedules_persist_and_due_ones_are_found(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    with store.transaction() as session:
        mine = Repositories(session, default).schedules
        mine.set(
            "account",
            ScheduleKind.WEEKLY,
            time_of_day=time(6, 30),
            weekdays=[4, 0, 4],
            timezone="America/New_York",
            next_run_at=NOW - timedelta(minutes=1),
        )
        mine.set(
            "product",
            ScheduleKind.INTERVAL,
            interval_minutes=15,
            window=(time(8), time(18)),
            next_run_at=NOW + timedelta(hours=1),
        )
        theirs = Repositories(session, acme).schedules
        theirs.set("account", ScheduleKind.DAILY, time_of_day=time(1), next_run_at=NOW)
        theirs.set("lead", ScheduleKind.NEVER, next_run_at=NOW)
    with store.transaction() as session:
        due = due_schedules(session, NOW)
        assert [(s.integration_id, s.object) for s in due] == [
            (default, "account"),
            (acme, "account"),
        ]
        weekly = due[0]
        assert weekly.weekdays == [0, 4]
        assert (weekly.time_of_day, weekly.timezone) == (time(6, 30), "America/New_York")
        product = Repositories(session, default).schedules.get("product")
        assert product is not None
        assert (product.window_start, product.window_end) == (time(8), time(18))
        Repositories(session, default).schedules.mark_ran("account", NOW, NOW + timedelta(days=3))
    with store.transaction() as session:
        assert [s.integration_id for s in due_schedules(session, NOW)] == [acme]
        account = Repositories(session, default).schedules.get("account")
        assert account is not None and account.last_run_at == NOW


def test_conflict_hold_refresh_and_resolve(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    sf_id = "001000000000001AAA"
    with store.transaction() as session:
        conflicts = Repositories(session, default).conflicts
        first = conflicts.hold("account", "C1", sf_id, {"Phone": "1"}, {"Phone": "2"})
        again = conflicts.hold("account", "C1", sf_id, {"Phone": "3"}, {"Phone": "4"})
        assert again.id == first.id
        assert [(c.sap_version, c.sf_version) for c in conflicts.open("account")] == [
            ({"Phone": "3"}, {"Phone": "4"})
        ]
        resolved = conflicts.resolve(first.id, ConflictResolution.TAKE_SALESFORCE, by="alice")
        assert (resolved.status, resolved.resolution, resolved.resolved_by) == (
            ConflictStatus.RESOLVED,
            ConflictResolution.TAKE_SALESFORCE,
            "alice",
        )
        with pytest.raises(ValueError, match="already resolved"):
            conflicts.resolve(first.id, ConflictResolution.TAKE_SAP, by="bob")
        newer = conflicts.hold("account", "C1", sf_id, {"Phone": "5"}, {"Phone": "6"})
        assert newer.id != first.id
    with pytest.raises(IntegrityError), store.transaction() as session:
        session.add(
            Conflict(
                integration_id=default,
                object="account",
                sap_key="C1",
                sf_id=sf_id,
                sap_version={},
                sf_version={},
            )
        )
