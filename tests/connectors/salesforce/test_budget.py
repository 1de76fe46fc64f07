"""The daily API allocation: stop before the reserve, and on REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import RateLimited, Success
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection


@pytest.fixture
def small_allocation(sf_admin: httpx.Client) -> Iterator[httpx.Client]:
    """1,000 calls a day of which 790 are already spent; restored afterwards."""
    before = sf_admin.get("/_sandbox/usage").json()
    sf_admin.post("/_sandbox/config", json={"daily_api_limit": 1000}).raise_for_status()
    sf_admin.post("/_sandbox/usage", json={"used": 790}).raise_for_status()
    try:
        yield sf_admin
    finally:
        sf_admin.post("/_sandbox/config", json={"daily_api_limit": 1_000_000})
        sf_admin.post("/_sandbox/usage", json={"used": int(before.get("used", 0))})


def records(prefix: str, n: int) -> list[WriteRecord]:
    return [WriteRecord(f"k{i}", {"Name": f"B{i}", "SAP_CardCode__c": f"{prefix}{i}"})
            for i in range(n)]


def test_collections_stop_at_the_reserve_and_report_what_remains(
    sf_client: SalesforceClient, small_allocation: httpx.Client, prefix: str
) -> None:
    outcomes = sf_client.write_batch("Account", "upsert", records(prefix, 3000),
                                     external_id="SAP_CardCode__c", via="collections")
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Success": 2000, "RateLimited": 1000}
    limited = [o for o in outcomes if isinstance(o, RateLimited)]
    assert [o.key for o in limited] == [f"k{i}" for i in range(2000, 3000)]
    assert {(o.remaining, o.used, o.limit) for o in limited} == {(1000, 800, 1000)}
    assert small_allocation.get("/_sandbox/usage").json()["used"] == 800


def test_bulk_does_not_start_a_job_it_cannot_finish(
    sf_client: SalesforceClient, small_allocation: httpx.Client, prefix: str
) -> None:
    small_allocation.post("/_sandbox/usage", json={"used": 795}).raise_for_status()
    assert isinstance(sf_client.describe("Account"), dict)
    outcomes = sf_client.write_batch("Account", "upsert", records(prefix, 2500),
                                     external_id="SAP_CardCode__c")
    assert all(isinstance(o, RateLimited) and o.remaining == 2500 for o in outcomes)
    assert sf_client.counters.requests.get("bulk.create", 0) == 0
    assert small_allocation.get("/_sandbox/usage").json()["used"] == 796


def test_request_limit_exceeded_stops_with_rate_limited(
    sf_conn: SalesforceConnection, small_allocation: httpx.Client, prefix: str
) -> None:
    small_allocation.post("/_sandbox/usage", json={"used": 1000}).raise_for_status()
    with SalesforceClient(sf_conn.model_copy(update={"budget_reserve": 0.0})) as client:
        outcomes = client.write_batch("Account", "upsert", records(prefix, 450),
                                      external_id="SAP_CardCode__c")
        assert client.counters.requests["collections.upsert"] == 1
    assert all(isinstance(o, RateLimited) for o in outcomes)
    first = outcomes[0]
    assert isinstance(first, RateLimited) and first.reason.startswith("REQUEST_LIMIT_EXCEEDED")
    assert first.remaining == 450 and first.limit == 1000
    assert not any(isinstance(o, Success) for o in outcomes)
