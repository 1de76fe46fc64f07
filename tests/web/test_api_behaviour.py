"""What scripts rely on: filters, refusals with their reasons, schedules with next runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.repositories import OutcomeIn
from b1hub.store.types import (
    Direction,
    ObjectDirection,
    OutcomeAction,
    OutcomeStatus,
    Role,
    RunStatus,
    RunTrigger,
)

from .support import issue_token


@pytest.fixture(scope="module")
def api(app: FastAPI, hub: Hub) -> Iterator[TestClient]:
    client = TestClient(app, headers={"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"})
    yield client


@pytest.fixture(scope="module")
def seeded(hub: Hub) -> dict[str, int]:
    """Two account runs (one with a failed and a succeeded record) and one product run."""
    with hub.repos() as repos:
        first = repos.runs.create("account", RunTrigger.MANUAL)
        repos.runs.start(first.id)
        repos.runs.add_counts(first.id, created=1, failed=1)
        bad, good = repos.outcomes.record(first.id, [
            OutcomeIn("account", Direction.SAP_TO_SALESFORCE, OutcomeAction.ERROR,
                      OutcomeStatus.FAILED, sap_key="C000009", error_code="INVALID_EMAIL_ADDRESS",
                      error_message="Email__c: invalid email address: foo@",
                      payload={"Email__c": "foo@", "Name": "Acme"}),
            OutcomeIn("account", Direction.SAP_TO_SALESFORCE, OutcomeAction.CREATE,
                      OutcomeStatus.SUCCEEDED, sap_key="C000010", sf_id="001000000000010AAA"),
        ])
        repos.runs.finish(first.id, RunStatus.SUCCEEDED)
        second = repos.runs.create("account", RunTrigger.SCHEDULE)
        repos.runs.finish(second.id, RunStatus.PAUSED, "Salesforce API limit reached")
        third = repos.runs.create("product", RunTrigger.MANUAL)
        repos.runs.start(third.id)
        repos.outcomes.record(third.id, [OutcomeIn(
            "product", Direction.SAP_TO_SALESFORCE, OutcomeAction.UPDATE,
            OutcomeStatus.SUCCEEDED, sap_key="A00001", sf_id="01t000000000001AAA")])
        repos.links.insert_or_get("account", "C000010", "001000000000010AAA")
    return {"first": first.id, "second": second.id, "third": third.id, "bad": bad.id,
            "good": good.id}


def test_runs_filters(api: TestClient, seeded: dict[str, int]) -> None:
    ids = [r["id"] for r in api.get("/api/v1/runs").json()]
    assert ids == [seeded["third"], seeded["second"], seeded["first"]]
    accounts = api.get("/api/v1/runs", params={"object": "account"}).json()
    assert [r["id"] for r in accounts] == [seeded["second"], seeded["first"]]
    paused = api.get("/api/v1/runs", params={"status": "paused"}).json()
    assert [(r["id"], r["message"]) for r in paused] == [
        (seeded["second"], "Salesforce API limit reached")]
    today = dt.datetime.now(dt.UTC).date()
    assert len(api.get("/api/v1/runs", params={"since": today.isoformat()}).json()) == 3
    tomorrow = today + dt.timedelta(days=1)
    assert api.get("/api/v1/runs", params={"since": tomorrow.isoformat()}).json() == []
    assert api.get("/api/v1/runs", params={"status": "bogus"}).status_code == 422


def test_errors_detail_and_history(api: TestClient, seeded: dict[str, int]) -> None:
    errors = api.get("/api/v1/errors").json()
    assert [(e["id"], e["sap_key"], e["error_code"]) for e in errors] == [
        (seeded["bad"], "C000009", "INVALID_EMAIL_ADDRESS")]
    assert api.get("/api/v1/errors", params={"object": "product"}).json() == []
    detail = api.get(f"/api/v1/errors/{seeded['bad']}").json()
    assert detail["payload"] == {"Email__c": "foo@", "Name": "Acme"}
    assert api.get("/api/v1/errors/999999").status_code == 404
    # History is found by either key of a linked record.
    by_sf = api.get("/api/v1/records/account/001000000000010AAA/history").json()
    by_sap = api.get("/api/v1/records/account/C000010/history").json()
    assert [h["id"] for h in by_sf] == [h["id"] for h in by_sap] == [seeded["good"]]


def test_retry_refusals(api: TestClient, seeded: dict[str, int]) -> None:
    response = api.post("/api/v1/errors/retry", json={"ids": [999999]})
    assert (response.status_code, response.json()) == (404, {"detail": "no open error with id "
                                                                       "999999"})
    response = api.post("/api/v1/errors/retry", json={"object": "product"})
    assert (response.status_code, response.json()) == (409, {"detail": "there is no open error "
                                                                       "to retry"})


def test_sync_now_needs_activation(api: TestClient) -> None:
    response = api.post("/api/v1/objects/account/sync")
    assert response.status_code == 409
    assert "not activated" in response.json()["detail"]
    assert api.post("/api/v1/objects/nothing/sync").status_code == 404


def test_schedules_show_their_next_run(api: TestClient, hub: Hub) -> None:
    refused = api.put("/api/v1/schedules/product", json={"kind": "daily", "time": "02:00"})
    assert refused.json() == {"detail": "product must be initialized before it can be "
                                        "scheduled"}
    with hub.repos() as repos:
        repos.objects.ensure("product", ObjectDirection.SAP_TO_SALESFORCE)
        repos.objects.finish_initialization("product", succeeded=True, linked=0, created=0,
                                            held=0)
    daily = api.put("/api/v1/schedules/product", json={"kind": "daily", "time": "02:00"})
    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert body["description"] == "every day at 02:00 (UTC)"
    next_run = dt.datetime.fromisoformat(body["next_run_at"])
    now = dt.datetime.now(dt.UTC)
    assert next_run.time() == dt.time(2, 0) and now < next_run <= now + dt.timedelta(days=1)
    window = api.put("/api/v1/schedules/product", json={
        "kind": "interval", "every_minutes": 15, "window_start": "08:00",
        "window_end": "18:00", "weekdays": [0, 1, 2, 3, 4]}).json()
    assert window["description"] == "every 15 min between 08:00-18:00, mon,tue,wed,thu,fri (UTC)"
    bad = api.put("/api/v1/schedules/product", json={"kind": "weekly", "time": "02:00"})
    assert (bad.status_code, bad.json()) == (400, {"detail": "a weekly schedule needs at "
                                                             "least one weekday"})
    listed = {s["object"]: s for s in api.get("/api/v1/schedules").json()}
    assert listed["product"]["kind"] == "interval" and listed["account"]["kind"] == "never"


def test_settings_are_validated_together(api: TestClient) -> None:
    before = api.get("/api/v1/settings").json()
    response = api.patch("/api/v1/settings", json={"time_zone": "Mars/Olympus",
                                                   "multi_currency": True})
    assert response.status_code == 400
    assert "unknown time zone 'Mars/Olympus'" in response.json()["detail"]
    assert api.get("/api/v1/settings").json() == before  # nothing half-applied
    assert api.patch("/api/v1/settings", json={"nope": 1}).json() == {
        "detail": "unknown setting(s): nope"}


def test_users(api: TestClient) -> None:
    created = api.post("/api/v1/users", json={"username": "Script.Runner", "role": "viewer"})
    assert created.status_code == 201
    body = created.json()
    assert body["user"]["username"] == "script.runner" and len(body["generated_password"]) >= 15
    again = api.post("/api/v1/users", json={"username": "script.runner", "role": "viewer"})
    assert (again.status_code, again.json()) == (409, {"detail": "user 'script.runner' exists "
                                                                 "already"})
    weak = api.post("/api/v1/users", json={"username": "weak", "role": "viewer",
                                           "password": "short"})
    assert weak.json() == {"detail": "a password needs at least 10 characters"}
    me = next(u for u in api.get("/api/v1/users").json() if u["username"] == "admin")
    demote = api.patch(f"/api/v1/users/{me['id']}", json={"role": "viewer"})
    assert demote.status_code == 409
    assert all("password" not in u for u in api.get("/api/v1/users").json())
