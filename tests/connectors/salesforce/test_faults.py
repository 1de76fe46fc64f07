"""Retries, timeouts and non-idempotent writes under injected faults."""

from __future__ import annotations

import time

import httpx

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.http import HttpSettings
from b1hub.connectors.outcomes import Retryable, Success
from b1hub.connectors.retry import RetryPolicy
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection


def test_5xx_on_an_idempotent_upsert_is_retried(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.post("/_sandbox/faults", json={"match": "PATCH /services/data/*/composite/*",
                                            "status": 503, "remaining": 2})
    outcome = sf_client.upsert("Account", "SAP_CardCode__c",
                               {"Name": "R", "SAP_CardCode__c": f"{prefix}R"}, "r")
    assert isinstance(outcome, Success) and outcome.created is True
    assert sf_client.counters.retries == 2
    assert sf_client.counters.requests["collections.upsert"] == 3


def test_a_create_that_got_5xx_is_not_sent_again(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.post("/_sandbox/faults", json={"match": "POST /services/data/*/composite/*",
                                            "status": 500, "remaining": 1})
    outcome = sf_client.create("Account", {"Name": f"{prefix}"}, "c")
    assert outcome == Retryable(outcome.reason, outcome.remote_code, "c", True)
    assert sf_client.counters.requests["collections.create"] == 1


def test_a_route_that_never_answers_fails_within_the_timeout(
    sf_conn: SalesforceConnection, sf_admin: httpx.Client
) -> None:
    sf_admin.post("/_sandbox/faults", json={"match": "GET /services/data/*/query*",
                                            "action": "hang", "hang_seconds": 4})
    conn = sf_conn.model_copy(update={
        "http": HttpSettings(read_timeout=0.5),
        "retry": RetryPolicy(attempts=2, total_seconds=5, wait_initial=0.01, wait_max=0.05),
    })
    with SalesforceClient(conn) as client:
        started = time.monotonic()
        items = list(client.query("SELECT Id FROM Account"))
        elapsed = time.monotonic() - started
    assert len(items) == 1 and isinstance(items[0], Retryable)
    assert items[0].reason == "no answer: ReadTimeout"
    assert elapsed < 3.0


def test_injected_invalid_session_refreshes_the_token(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.post("/_sandbox/faults", json={
        "match": "PATCH /services/data/*", "status": 401, "remaining": 1,
        "body": [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    })
    records = [WriteRecord("s", {"Name": "S", "SAP_CardCode__c": f"{prefix}S"})]
    outcomes = sf_client.write_batch("Account", "upsert", records,
                                     external_id="SAP_CardCode__c")
    assert isinstance(outcomes[0], Success)
    assert sf_client.counters.relogins == 1
