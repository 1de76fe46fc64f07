"""sObject Collections writes: per-record outcomes, lock re-sends, call tagging."""

from __future__ import annotations

import httpx

from b1hub.connectors.base import WriteRecord
from b1hub.connectors.outcomes import RecordError, Retryable, Success
from b1hub.connectors.salesforce import SalesforceClient


def test_upsert_gives_one_outcome_per_record_in_order(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    records = [
        WriteRecord("a", {"Name": "A", "SAP_CardCode__c": f"{prefix}A"}),
        WriteRecord("no-name", {"SAP_CardCode__c": f"{prefix}B"}),
        WriteRecord("c", {"Name": "C", "SAP_CardCode__c": f"{prefix}C"}),
        WriteRecord("long", {"Name": "x" * 300, "SAP_CardCode__c": f"{prefix}D"}),
    ]
    sf_admin.delete("/_sandbox/counters")
    outcomes = sf_client.write_batch("Account", "upsert", records,
                                     external_id="SAP_CardCode__c")
    assert [o.key for o in outcomes] == ["a", "no-name", "c", "long"]
    assert [type(o).__name__ for o in outcomes] == [
        "Success", "RecordError", "Success", "RecordError"]
    missing, too_long = outcomes[1], outcomes[3]
    assert isinstance(missing, RecordError) and missing.code == "REQUIRED_FIELD_MISSING"
    assert missing.fields == ("Name",)
    assert isinstance(too_long, RecordError) and too_long.code == "STRING_TOO_LONG"
    assert all(o.created is True for o in outcomes if isinstance(o, Success))
    routes = sf_admin.get("/_sandbox/counters").json()["routes"]
    assert sum(v for k, v in routes.items() if "oauth2" not in k) == 1

    again = sf_client.write_batch("Account", "upsert", records[:1],
                                  external_id="SAP_CardCode__c")
    assert isinstance(again[0], Success) and again[0].created is False
    assert again[0].remote_id == outcomes[0].remote_id


def test_writes_are_tagged_with_the_call_options_client(
    sf_client: SalesforceClient, prefix: str
) -> None:
    outcome = sf_client.upsert("Account", "SAP_CardCode__c",
                               {"Name": "Tagged", "SAP_CardCode__c": f"{prefix}T"}, "t")
    assert isinstance(outcome, Success)
    pages = list(sf_client.query(
        f"SELECT LastModifiedByClient FROM Account WHERE Id = '{outcome.remote_id}'"))
    assert isinstance(pages[0], list) and pages[0][0]["LastModifiedByClient"] == "b1hub"


def test_create_and_update_through_collections(
    sf_client: SalesforceClient, prefix: str
) -> None:
    created = sf_client.create("Contact", {"LastName": f"{prefix}"}, "c1")
    assert isinstance(created, Success) and created.remote_id
    assert created.remote_id.startswith("003")
    updated = sf_client.update("Contact", created.remote_id, {"FirstName": "Ann"}, "c1")
    assert isinstance(updated, Success) and updated.remote_id == created.remote_id
    bad = sf_client.update("Contact", "003000000000000AAA", {"FirstName": "X"}, "c2")
    assert isinstance(bad, RecordError) and bad.key == "c2"


def test_only_locked_records_are_sent_again(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.post("/_sandbox/config", json={"lock_error_rate": 0.3}).raise_for_status()
    records = [WriteRecord(f"k{i}", {"Name": f"L{i}", "SAP_CardCode__c": f"{prefix}{i}"})
               for i in range(150)]
    outcomes = sf_client.write_batch("Account", "upsert", records,
                                     external_id="SAP_CardCode__c", lock_rounds=8)
    assert [o.key for o in outcomes] == [r.key for r in records]
    assert all(isinstance(o, Success) for o in outcomes), [
        o for o in outcomes if not isinstance(o, Success)][:3]
    calls = sf_client.counters.requests["collections.upsert"]
    assert 2 <= calls <= 9


def test_locked_records_left_after_the_rounds_are_retryable(
    sf_client: SalesforceClient, sf_admin: httpx.Client, prefix: str
) -> None:
    sf_admin.post("/_sandbox/config", json={"lock_error_rate": 1.0}).raise_for_status()
    records = [WriteRecord(f"k{i}", {"Name": "L", "SAP_CardCode__c": f"{prefix}{i}"})
               for i in range(3)]
    outcomes = sf_client.write_batch("Account", "upsert", records,
                                     external_id="SAP_CardCode__c", lock_rounds=2)
    assert all(isinstance(o, Retryable) and o.remote_code == "UNABLE_TO_LOCK_ROW"
               for o in outcomes)
    assert [o.key for o in outcomes] == ["k0", "k1", "k2"]
    assert sf_client.counters.requests["collections.upsert"] == 3
