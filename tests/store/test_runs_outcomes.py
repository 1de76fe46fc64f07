"""Runs and per-record outcomes: lifecycle, counters, the open-error log and record history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from b1hub.store import Store
from b1hub.store.models import RecordOutcome
from b1hub.store.repositories import OutcomeIn, Repositories, stalled_runs
from b1hub.store.types import (
    Direction,
    OutcomeAction,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
    utcnow,
)

S2F, F2S = Direction.SAP_TO_SALESFORCE, Direction.SALESFORCE_TO_SAP


def _failed(key: str, object_name: str = "account", message: str = "bad e-mail") -> OutcomeIn:
    return OutcomeIn(
        object=object_name,
        direction=S2F,
        action=OutcomeAction.ERROR,
        status=OutcomeStatus.FAILED,
        sap_key=key,
        error_code="INVALID_EMAIL_ADDRESS",
        error_message=message,
        error_fields=["Email__c"],
        payload={"Name": key, "Email__c": "not-an-email"},
    )


def _ok(key: str, object_name: str = "account") -> OutcomeIn:
    return OutcomeIn(
        object=object_name,
        direction=S2F,
        action=OutcomeAction.UPDATE,
        status=OutcomeStatus.SUCCEEDED,
        sap_key=key,
        sf_id="001000000000001AAA",
    )


def test_run_lifecycle_counts_and_listing(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        runs = Repositories(session, default).runs
        first = runs.create("account", RunTrigger.MANUAL)
        assert first.status is RunStatus.QUEUED
        runs.start(first.id, worker="host:1")
        runs.add_counts(first.id, created=3, sf_api_calls=2)
        runs.add_counts(first.id, created=1, failed=1, skipped=0)
        with pytest.raises(ValueError, match="unknown run counters"):
            runs.add_counts(first.id, bogus=1)
        assert [r.id for r in runs.active("account")] == [first.id]
        done = runs.finish(first.id, RunStatus.SUCCEEDED, "4 created, 1 failed")
        second = runs.create("account", RunTrigger.SCHEDULE)
        runs.create("product", RunTrigger.MANUAL)
    assert (done.created, done.failed, done.skipped, done.sf_api_calls) == (4, 1, 0, 2)
    assert done.status is RunStatus.SUCCEEDED
    assert done.started_at is not None and done.finished_at is not None
    assert done.finished_at >= done.started_at
    with store.transaction() as session:
        runs = Repositories(session, default).runs
        assert [r.id for r in runs.recent("account")] == [second.id, first.id]
        assert len(runs.recent()) == 3
        latest = runs.latest("account")
        assert latest is not None and latest.id == second.id
        with pytest.raises(ValueError, match="not a final run status"):
            runs.finish(second.id, RunStatus.RUNNING)


def test_counters_increment_in_sql_from_two_sessions(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        run_id = Repositories(session, default).runs.create("account", RunTrigger.MANUAL).id
    with store.transaction() as one:
        Repositories(one, default).runs.get(run_id)
        with store.transaction() as two:
            Repositories(two, default).runs.add_counts(run_id, updated=5)
        Repositories(one, default).runs.add_counts(run_id, updated=2)
    with store.transaction() as session:
        run = Repositories(session, default).runs.get(run_id)
        assert run is not None and run.updated == 7


def test_stalled_runs_are_found_across_integrations(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    with store.transaction() as session:
        stale = Repositories(session, default).runs.create("account", RunTrigger.MANUAL)
        Repositories(session, default).runs.start(stale.id)
        other = Repositories(session, acme).runs.create("account", RunTrigger.MANUAL)
        Repositories(session, acme).runs.start(other.id)
        Repositories(session, acme).runs.create("product", RunTrigger.MANUAL)
    later = utcnow() + timedelta(minutes=5)
    with store.transaction() as session:
        found = stalled_runs(session, heartbeat_before=later)
        assert [(r.integration_id, r.id) for r in found] == [(default, stale.id), (acme, other.id)]
        Repositories(session, default).runs.heartbeat(stale.id)
        assert stalled_runs(session, heartbeat_before=utcnow() - timedelta(minutes=1)) == []


def test_open_errors_by_object_and_counts(store: Store, two_integrations: tuple[int, int]) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        repos = Repositories(session, default)
        run = repos.runs.create("account", RunTrigger.MANUAL)
        stored = repos.outcomes.record(
            run.id, [_failed("C1"), _ok("C2"), _failed("C3"), _failed("A1", "product")]
        )
        assert [row.attempt for row in stored] == [1, 1, 1, 1]
        errors = repos.outcomes.open_errors("account")
        assert [(e.sap_key, e.error_fields, e.payload) for e in errors] == [
            ("C1", ["Email__c"], {"Name": "C1", "Email__c": "not-an-email"}),
            ("C3", ["Email__c"], {"Name": "C3", "Email__c": "not-an-email"}),
        ]
        assert [e.sap_key for e in repos.outcomes.open_errors()] == ["C1", "C3", "A1"]
        assert repos.outcomes.open_counts() == {"account": 2, "product": 1}
        assert len(repos.outcomes.for_run(run.id)) == 4
        assert [o.sap_key for o in repos.outcomes.for_run(run.id, OutcomeStatus.SUCCEEDED)] == [
            "C2"
        ]


def test_newer_outcome_supersedes_the_open_one_and_counts_attempts(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    with store.transaction() as session:
        repos = Repositories(session, default)
        run1 = repos.runs.create("account", RunTrigger.MANUAL)
        repos.outcomes.record(run1.id, [_failed("C1"), _failed("C2")])
        retry = repos.runs.create("account", RunTrigger.RETRY)
        second = repos.outcomes.record(retry.id, [_failed("C1", message="still bad"), _ok("C2")])
        assert [(o.attempt, o.resolved) for o in second] == [(2, False), (2, True)]
        open_now = repos.outcomes.open_errors("account")
        assert [(e.sap_key, e.attempt, e.error_message) for e in open_now] == [
            ("C1", 2, "still bad")
        ]
        third = repos.outcomes.record(retry.id, [_failed("C1"), _ok("C1")])
        assert [(o.attempt, o.resolved) for o in third] == [(3, True), (4, True)]
        assert repos.outcomes.open_errors() == []
        history = repos.outcomes.history("account", sap_key="C1")
        assert [(h.attempt, h.status) for h in history] == [
            (1, OutcomeStatus.FAILED),
            (2, OutcomeStatus.FAILED),
            (3, OutcomeStatus.FAILED),
            (4, OutcomeStatus.SUCCEEDED),
        ]
        by_sf_id = repos.outcomes.history("account", sf_id="001000000000001AAA")
        assert [h.sap_key for h in by_sf_id] == ["C2", "C1"]


def test_directions_keep_separate_open_errors_and_need_their_source_key(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, _ = two_integrations
    inbound = OutcomeIn(
        object="account",
        direction=F2S,
        action=OutcomeAction.CREATE,
        status=OutcomeStatus.WAITING,
        sf_id="001000000000009AAA",
        error_message="parent not linked yet",
    )
    with store.transaction() as session:
        repos = Repositories(session, default)
        run = repos.runs.create("account", RunTrigger.MANUAL)
        repos.outcomes.record(run.id, [_failed("C1"), inbound])
        assert {(e.direction, e.sap_key, e.sf_id) for e in repos.outcomes.open_errors()} == {
            (S2F, "C1", None),
            (F2S, None, "001000000000009AAA"),
        }
        with pytest.raises(ValueError, match="needs its sf_id"):
            repos.outcomes.record(
                run.id,
                [OutcomeIn("account", F2S, OutcomeAction.CREATE, OutcomeStatus.FAILED, "C1")],
            )


def test_manual_resolve_and_get_many_stay_in_the_integration(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    with store.transaction() as session:
        mine = Repositories(session, default)
        theirs = Repositories(session, acme)
        my_rows = mine.outcomes.record(
            mine.runs.create("account", RunTrigger.MANUAL).id, [_failed("C1"), _failed("C2")]
        )
        their_rows = theirs.outcomes.record(
            theirs.runs.create("account", RunTrigger.MANUAL).id, [_failed("C1")]
        )
        ids = [row.id for row in [*my_rows, *their_rows]]
        assert [r.id for r in mine.outcomes.get_many(ids)] == [r.id for r in my_rows]
        assert mine.outcomes.resolve(ids) == 2
        assert mine.outcomes.open_errors() == []
        assert [e.id for e in theirs.outcomes.open_errors()] == [their_rows[0].id]


def test_outcome_cannot_point_at_another_integrations_run(
    store: Store, two_integrations: tuple[int, int]
) -> None:
    default, acme = two_integrations
    with store.transaction() as session:
        acme_run = Repositories(session, acme).runs.create("account", RunTrigger.MANUAL).id
    with pytest.raises(IntegrityError), store.transaction() as session:
        Repositories(session, default).outcomes.record(acme_run, [_failed("C1")])
    with store.transaction() as session:
        assert session.scalars(select(RecordOutcome)).all() == []
