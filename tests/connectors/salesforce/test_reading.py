"""Query streaming, change reads, getUpdated/getDeleted and cached describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from b1hub.connectors.base import Page, WriteRecord
from b1hub.connectors.outcomes import RecordError, Success
from b1hub.connectors.salesforce import SalesforceClient


def upsert_accounts(client: SalesforceClient, prefix: str, n: int) -> list[str]:
    records = [WriteRecord(f"{prefix}{i:04d}", {"Name": f"Reader {i}",
                                                "SAP_CardCode__c": f"{prefix}{i:04d}"})
               for i in range(n)]
    outcomes = client.write_batch("Account", "upsert", records,
                                  external_id="SAP_CardCode__c", via="collections")
    assert all(isinstance(o, Success) for o in outcomes)
    return [o.remote_id for o in outcomes if isinstance(o, Success) and o.remote_id]


def test_query_follows_next_records_url(sf_client: SalesforceClient, prefix: str) -> None:
    ids = upsert_accounts(sf_client, prefix, 450)
    pages = list(sf_client.query(
        f"SELECT Id FROM Account WHERE SAP_CardCode__c LIKE '{prefix}%'", page_size=200))
    assert [len(p) for p in pages if isinstance(p, list)] == [200, 200, 50]
    assert sorted(r["Id"] for p in pages if isinstance(p, list) for r in p) == sorted(ids)


def test_read_changes_orders_by_modstamp_and_resumes(
    sf_client: SalesforceClient, prefix: str
) -> None:
    ids = upsert_accounts(sf_client, prefix, 30)
    where = f"SAP_CardCode__c LIKE '{prefix}%'"
    pages = [i for i in sf_client.read_changes("Account", ["Name"], None, page_size=200,
                                               where=where)]
    assert all(isinstance(p, Page) for p in pages)
    rows = [r for p in pages if isinstance(p, Page) for r in p.records]
    assert sorted(r["Id"] for r in rows) == sorted(ids)
    order = [(r["SystemModstamp"], r["Id"]) for r in rows]
    assert order == sorted(order)
    last = pages[-1]
    assert isinstance(last, Page) and last.high_water is not None
    assert (last.high_water.timestamp, last.high_water.key) == order[-1]

    update = sf_client.update("Account", ids[3], {"Name": "Changed"}, "k")
    assert isinstance(update, Success)
    later = [r for p in sf_client.read_changes("Account", ["Name"], last.high_water,
                                               overlap=timedelta(0), where=where)
             if isinstance(p, Page) for r in p.records]
    assert [(r["Id"], r["Name"]) for r in later] == [(ids[3], "Changed")]
    window = [r["Id"] for p in sf_client.read_changes("Account", [], last.high_water,
                                                      overlap=timedelta(minutes=5), where=where)
              if isinstance(p, Page) for r in p.records]
    assert sorted(window) == sorted(ids) and window[-1] == ids[3]


def test_bad_soql_is_a_record_error_with_the_remote_code(sf_client: SalesforceClient) -> None:
    items = list(sf_client.query("SELECT NoSuchField__c FROM Account"))
    assert len(items) == 1 and isinstance(items[0], RecordError)
    assert (items[0].code, items[0].status) == ("INVALID_FIELD", 400)


def test_get_updated_and_deleted(sf_client: SalesforceClient, prefix: str) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    ids = upsert_accounts(sf_client, prefix, 2)
    end = datetime.now(UTC) + timedelta(minutes=1)
    updated = sf_client.get_updated("Account", start, end)
    assert isinstance(updated, dict) and set(ids) <= set(updated["ids"])
    assert "latestDateCovered" in updated
    deleted = sf_client.get_deleted("Account", start, end)
    assert isinstance(deleted, dict) and isinstance(deleted["deletedRecords"], list)


def test_describe_is_cached(sf_client: SalesforceClient, sf_admin: httpx.Client) -> None:
    sf_client.describe("Contact")
    sf_admin.delete("/_sandbox/counters")
    for _ in range(3):
        assert isinstance(sf_client.describe("contact"), dict)
    assert sf_admin.get("/_sandbox/counters").json()["total"] == 0
