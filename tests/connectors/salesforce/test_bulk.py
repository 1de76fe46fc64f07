"""Bulk API 2.0 ingest: results mapped back to every input record, call cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

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


def created_ids(client: SalesforceClient, prefix: str, n: int) -> list[str]:
    first = client.write_batch("Account", "upsert", accounts(prefix, n),
                               external_id="SAP_CardCode__c")
    ids = [o.remote_id for o in first if isinstance(o, Success) and o.remote_id]
    assert len(ids) == n
    return ids


def query_rows(client: SalesforceClient, soql: str) -> list[dict[str, Any]]:
    return [r for page in client.query(soql) if isinstance(page, list) for r in page]


def test_bulk_update_with_failures_gives_each_record_one_outcome(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    """The engine's shape: records keyed by their own key, addressed by remote_id."""
    ids = created_ids(sf_client, prefix, 2500)
    bad_email, too_long = {7, 901, 2499}, {0, 1500}
    updates = []
    for i, remote_id in enumerate(ids):
        data: dict[str, Any] = {"Name": f"Updated {i}", "Email__c": f"a{i}@example.com"}
        if i in bad_email:
            data["Email__c"] = "not an email"
        if i in too_long:
            data["Name"] = "N" * 300
        updates.append(WriteRecord(f"acct-{i}", data, remote_id))
    sf_admin.delete("/_sandbox/counters")
    before = dict(sf_client.counters.requests)
    outcomes = sf_client.write_batch("Account", "update", iter(updates), via="bulk")

    assert [o.key for o in outcomes] == [f"acct-{i}" for i in range(2500)]
    assert api_calls(sf_admin) <= 10
    assert sf_client.counters.requests["bulk.create"] - before.get("bulk.create", 0) == 1
    errors = {i: o for i, o in enumerate(outcomes) if isinstance(o, RecordError)}
    assert set(errors) == bad_email | too_long
    assert {(i, e.code, e.fields) for i, e in errors.items()} == (
        {(i, "INVALID_EMAIL_ADDRESS", ("Email__c",)) for i in bad_email}
        | {(i, "STRING_TOO_LONG", ("Name",)) for i in too_long})
    ok = {i: o for i, o in enumerate(outcomes) if isinstance(o, Success)}
    assert len(ok) == 2500 - len(errors)
    assert all(o.remote_id == ids[i] and not o.created for i, o in ok.items())

    rows = {r["Id"]: r for r in query_rows(
        sf_client, f"SELECT Id, Name, Email__c FROM Account "
                   f"WHERE SAP_CardCode__c LIKE '{prefix}%'")}
    assert len(rows) == 2500
    for i, remote_id in enumerate(ids):
        row = rows[remote_id]
        if i in ok:
            assert (row["Name"], row["Email__c"]) == (f"Updated {i}", f"a{i}@example.com")
        else:  # a failed row changes nothing
            assert row["Name"] == f"Bulk {i}" and row["Email__c"] is None


def test_bulk_update_matches_15_character_ids(sf_client: SalesforceClient, prefix: str) -> None:
    ids = created_ids(sf_client, prefix, 2100)
    updates = [WriteRecord(f"s{i}", {"Description": f"short {i}"}, remote_id[:15])
               for i, remote_id in enumerate(ids)]
    outcomes = sf_client.write_batch("Account", "update", updates, via="bulk")
    assert [o.key for o in outcomes] == [f"s{i}" for i in range(2100)]
    assert all(isinstance(o, Success) for o in outcomes)
    rows = query_rows(sf_client, f"SELECT Description FROM Account "
                                 f"WHERE SAP_CardCode__c LIKE '{prefix}%'")
    assert sorted(r["Description"] for r in rows) == sorted(f"short {i}" for i in range(2100))


def test_a_failed_bulk_job_reports_its_error_on_every_record(
    sf_client: SalesforceClient, prefix: str
) -> None:
    """A job the org fails as a whole (here: an unknown column) has no result files:
    every record carries the job's error, none is left as a bare "no bulk result"."""
    ids = created_ids(sf_client, prefix, 2050)
    updates = [WriteRecord(f"f{i}", {"No_Such_Field__c": "x"}, remote_id)
               for i, remote_id in enumerate(ids)]
    outcomes = sf_client.write_batch("Account", "update", updates, via="bulk")
    assert [o.key for o in outcomes] == [f"f{i}" for i in range(2050)]
    assert all(isinstance(o, RecordError) and o.code == "INVALID_BATCH"
               and "No_Such_Field__c" in o.message for o in outcomes)


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
