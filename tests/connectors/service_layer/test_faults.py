"""Retries, timeouts and uncertain creates under injected faults."""

from __future__ import annotations

import time

import httpx

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.http import HttpSettings
from b1hub.connectors.outcomes import Retryable, Success
from b1hub.connectors.retry import RetryPolicy
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection


def test_5xx_is_retried_until_it_succeeds(
    sl_client: ServiceLayerClient, sl_admin: httpx.Client
) -> None:
    sl_admin.post("/_sandbox/faults", json={"match": "GET /b1s/v2/BusinessPartners*",
                                            "status": 503, "remaining": 2})
    outcome = sl_client.get("BusinessPartners", "C000003")
    assert isinstance(outcome, Success) and outcome.remote_id == "C000003"
    assert sl_client.counters.retries == 2


def test_persistent_5xx_becomes_retryable_after_the_budget(
    sl_conn: ServiceLayerConnection, sl_admin: httpx.Client
) -> None:
    sl_admin.post("/_sandbox/faults", json={"match": "GET /b1s/v2/Items*", "status": 502})
    retry = RetryPolicy(attempts=3, total_seconds=10, wait_initial=0.01, wait_max=0.05)
    with ServiceLayerClient(sl_conn.model_copy(update={"retry": retry})) as client:
        outcome = client.get("Items", "A00001")
        assert outcome == Retryable(outcome.reason, outcome.remote_code, "A00001", False)
        assert client.counters.requests["read"] == 3
    assert outcome.reason.startswith("HTTP 502")


def test_a_route_that_never_answers_fails_within_the_timeout(
    sl_conn: ServiceLayerConnection, sl_admin: httpx.Client
) -> None:
    sl_admin.post("/_sandbox/faults", json={"match": "GET /b1s/v2/SalesPersons*",
                                            "action": "hang", "hang_seconds": 4})
    conn = sl_conn.model_copy(update={
        "http": HttpSettings(read_timeout=0.5),
        "retry": RetryPolicy(attempts=2, total_seconds=5, wait_initial=0.01, wait_max=0.05),
    })
    with ServiceLayerClient(conn) as client:
        started = time.monotonic()
        outcome = client.get("SalesPersons", "1")
        elapsed = time.monotonic() - started
    assert isinstance(outcome, Retryable) and outcome.reason == "no answer: ReadTimeout"
    assert elapsed < 3.0


def test_a_create_that_timed_out_is_looked_up_before_it_is_sent_again(
    sl_conn: ServiceLayerConnection, sl_admin: httpx.Client, prefix: str
) -> None:
    """The answer to a create batch is lost (read timeout): the client waits, looks the
    keys up and re-sends only what is missing. (The sandbox's latency fault delays before
    the body is read, so a timed-out request is never applied there: the lookup finds
    nothing and all three are re-sent, once.)"""
    sl_admin.post("/_sandbox/faults", json={"match": "POST /b1s/v2/$batch",
                                            "action": "latency", "latency_ms": 1500,
                                            "remaining": 1})
    conn = sl_conn.model_copy(update={"http": HttpSettings(read_timeout=1.0),
                                      "settle_seconds": 1.0})
    records = [WriteRecord(f"r{i}", {"CardCode": f"{prefix}{i}", "CardName": "Slow",
                                     "CardType": "cCustomer"}) for i in range(3)]
    with ServiceLayerClient(conn) as client:
        outcomes = client.write_batch("BusinessPartners", "create", records)
        assert outcomes == [Success(f"r{i}", f"{prefix}{i}", True, None) for i in range(3)]
        assert client.counters.requests["batch"] == 2
        assert client.counters.requests["read"] == 1
        count = client.transport.http.get(
            "BusinessPartners/$count", params={"$filter": f"startswith(CardCode, '{prefix}')"},
            headers={"Cookie": client.transport.sessions.current().cookie_header})
    assert count.text == "3"


def test_a_create_that_failed_with_5xx_is_resent_after_lookup(
    sl_conn: ServiceLayerConnection, sl_admin: httpx.Client, prefix: str
) -> None:
    sl_admin.post("/_sandbox/faults", json={"match": "POST /b1s/v2/$batch", "status": 500,
                                            "remaining": 1})
    records = [WriteRecord(f"r{i}", {"CardCode": f"{prefix}{i}", "CardName": "Retry",
                                     "CardType": "cCustomer"}) for i in range(3)]
    with ServiceLayerClient(sl_conn.model_copy(update={"settle_seconds": 0})) as client:
        outcomes = client.write_batch("BusinessPartners", "create", records)
        assert client.counters.requests["batch"] == 2
    assert outcomes == [Success(f"r{i}", f"{prefix}{i}", True, None) for i in range(3)]
