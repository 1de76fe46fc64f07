"""Bulk API 2.0 ingest: results mapped back to every input record, call cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import RecordError, Success
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection


def accounts(prefix: str, n: int, bad_every: int = 0) -> Iterator[WriteRecord]:
    """A generator, as the engine would pass it: the client must not need a list."""
    for i in range(n):
        name = "" if bad_every and i % bad_every == 0 else f"Bulk {i}"
        yield WriteRecord(f"key-{i}", {"Name": name, "SAP_CardCode__c": f"{prefix}{i:05d}"})


def api_calls(admin: httpx.Client) -> int:
    routes = admin.get("/_sandbox/counters").json()["routes"]
    return sum(count for route, count in routes.items() if "oauth2" not in route)


def test_bulk_upsert_maps_every_row_back_to_its_record(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.delete("/_sandbox/counters")
    outcomes = sf_client.write_batch("Account", "upsert", accounts(prefix, 3000, 100),
                                     external_id="SAP_CardCode__c")
    assert [o.key for o in outcomes] == [f"key-{i}" for i in range(3000)]
    bad = [i for i, o in enumerate(outcomes) if isinstance(o, RecordError)]
    assert bad == list(range(0, 3000, 100))
    assert all(o.code == "REQUIRED_FIELD_MISSING" for o in outcomes if isinstance(o, RecordError))
    assert Counter(type(o).__name__ for o in outcomes) == {"Success": 2970, "RecordError": 30}
    ids = [o.remote_id for o in outcomes if isinstance(o, Success)]
    assert len(set(ids)) == 2970 and all(i and i.startswith("001") for i in ids)
    assert sf_client.counters.requests["bulk.create"] == 1
    assert api_calls(sf_admin) <= 10


def test_bulk_update_maps_back_by_id(sf_client: SalesforceClient, prefix: str) -> None:
    first = sf_client.write_batch("Account", "upsert", accounts(prefix, 2500),
                                  external_id="SAP_CardCode__c")
    ids = [o.remote_id for o in first if isinstance(o, Success)]
    assert len(ids) == 2500
    updates = [WriteRecord(f"u{i}", {"Description": f"v2 {i}"}, remote_id)
               for i, remote_id in enumerate(ids)]
    outcomes = sf_client.write_batch("Account", "update", reversed(updates))
    assert [o.key for o in outcomes] == [f"u{i}" for i in reversed(range(2500))]
    assert [o.remote_id for o in outcomes if isinstance(o, Success)] == ids[::-1]


def test_a_large_load_is_split_into_jobs_by_size(
    sf_conn: SalesforceConnection, prefix: str
) -> None:
    conn = sf_conn.model_copy(update={"bulk_max_job_bytes": 20_000})
    with SalesforceClient(conn) as client:
        outcomes = client.write_batch("Account", "upsert", accounts(prefix, 3000),
                                      external_id="SAP_CardCode__c", via="bulk")
        jobs = client.counters.requests["bulk.create"]
    assert jobs >= 3
    assert [o.key for o in outcomes] == [f"key-{i}" for i in range(3000)]
    assert all(isinstance(o, Success) for o in outcomes)


def test_bulk_insert_needs_a_key_column(sf_client: SalesforceClient, prefix: str) -> None:
    with pytest.raises(ValueError, match="key_column"):
        sf_client.write_batch("Account", "create", list(accounts(prefix, 3)), via="bulk")
    outcomes = sf_client.write_batch("Account", "create", accounts(prefix, 3), via="bulk",
                                     key_column="SAP_CardCode__c")
    assert [type(o).__name__ for o in outcomes] == ["Success"] * 3
    assert all(isinstance(o, Success) and o.created for o in outcomes)
