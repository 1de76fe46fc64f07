"""`b1hub runs`, `errors` and `link show` read the store: rows written through the
repositories (as the engine writes them) come out complete and per integration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b1hub.hub import Hub
from b1hub.store.repositories import OutcomeIn
from b1hub.store.types import (
    Direction,
    OutcomeAction,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
)
from commands.cli_helpers import ok, ok_json, run

SF_ID = "001000000000ABCAAA"


@pytest.fixture
def history() -> Iterator[dict[str, int]]:
    """Two runs of account (one record created then failing), one of product."""
    hub = Hub.open("default")
    try:
        with hub.repos() as repos:
            first = repos.runs.create("account", RunTrigger.INITIALIZATION)
            repos.runs.start(first.id)
            repos.outcomes.record(first.id, [OutcomeIn(
                "account", Direction.SAP_TO_SALESFORCE, OutcomeAction.CREATE,
                OutcomeStatus.SUCCEEDED, sap_key="C000001", sf_id=SF_ID)])
            repos.links.insert_or_get("account", "C000001", SF_ID)
            repos.runs.add_counts(first.id, created=1)
            repos.runs.finish(first.id, RunStatus.SUCCEEDED)
            second = repos.runs.create("account", RunTrigger.MANUAL)
            repos.runs.start(second.id)
            failed = repos.outcomes.record(second.id, [OutcomeIn(
                "account", Direction.SAP_TO_SALESFORCE, OutcomeAction.UPDATE,
                OutcomeStatus.FAILED, sap_key="C000001", sf_id=SF_ID,
                error_code="INVALID_EMAIL_ADDRESS",
                error_message="Account 'Acme' (SAP C000001): Salesforce rejected Email__c",
                error_fields=["Email__c"])])[0]
            repos.runs.add_counts(second.id, failed=1)
            repos.runs.finish(second.id, RunStatus.SUCCEEDED)
            third = repos.runs.create("product", RunTrigger.MANUAL)
            repos.runs.finish(third.id, RunStatus.PAUSED, "Salesforce API limit reached")
            ids = {"first": first.id, "second": second.id, "third": third.id,
                   "failed": failed.id}
        yield ids
    finally:
        hub.close()


def test_runs_lists_newest_first_and_filters_by_object(history: dict[str, int]) -> None:
    runs = ok_json("runs")
    assert [r["id"] for r in runs] == [history["third"], history["second"], history["first"]]
    assert runs[0]["status"] == "paused"
    assert runs[0]["message"] == "Salesforce API limit reached"
    assert (runs[2]["trigger"], runs[2]["created"]) == ("initialization", 1)
    accounts = ok_json("runs", "--object", "Accounts", "--limit", "1")
    assert [r["id"] for r in accounts] == [history["second"]]
    assert accounts[0]["failed"] == 1
    table = ok("runs").stdout
    assert "Salesforce API limit reached" in table and "initialization" in table


def test_errors_lists_open_errors_with_keys_code_and_message(history: dict[str, int]) -> None:
    errors = ok_json("errors")
    assert len(errors) == 1
    error = errors[0]
    assert error["id"] == history["failed"]
    assert (error["object"], error["sap_key"], error["sf_id"]) == ("account", "C000001", SF_ID)
    assert error["code"] == "INVALID_EMAIL_ADDRESS"
    assert error["message"].startswith("Account 'Acme' (SAP C000001)")
    assert error["fields"] == ["Email__c"]
    assert ok_json("errors", "--object", "product") == []
    text = ok("errors").stdout
    assert "INVALID_EMAIL_ADDRESS" in text and "C000001" in text
    assert ok("errors", "--object", "items").stdout.strip() == "no open errors"


def test_errors_retry_refuses_unknown_ids(history: dict[str, int]) -> None:
    result = run("errors", "--retry", "999999")
    assert result.exit_code == 1
    assert "no error with id 999999 in integration 'default'" in result.stderr
    bad = run("errors", "--retry", "first")
    assert bad.exit_code == 1 and "--retry takes 'all' or error ids" in bad.stderr


def test_link_show_by_either_key_with_history(history: dict[str, int]) -> None:
    by_sap = ok_json("link", "show", "account", "C000001")
    by_sf = ok_json("link", "show", "customers", SF_ID)
    assert by_sap == by_sf
    assert by_sap["link"]["sap_key"] == "C000001" and by_sap["link"]["sf_id"] == SF_ID
    assert [(h["run_id"], h["action"], h["status"]) for h in by_sap["history"]] == [
        (history["first"], "create", "succeeded"), (history["second"], "update", "failed")]
    text = ok("link", "show", "account", "C000001").stdout
    assert f"SAP C000001 <-> Salesforce {SF_ID}" in text
    unknown = run("link", "show", "account", "C999999")
    assert unknown.exit_code == 1
    assert "no account known by 'C999999'" in unknown.stderr


def test_logs_are_per_integration(history: dict[str, int]) -> None:
    assert ok_json("runs", "--integration", "other") == []
    assert ok_json("errors", "--integration", "other") == []
    assert run("link", "show", "account", "C000001", "--integration", "other").exit_code == 1


def test_unknown_object_names_the_known_ones() -> None:
    result = run("runs", "--object", "invoices")
    assert result.exit_code == 1
    assert "unknown object 'invoices'; use one of: account, contact, lead" in result.stderr
