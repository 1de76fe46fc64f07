"""simple-salesforce 1.12.10, unmodified, driving Bulk API 2.0 against the sandbox."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce


@pytest.fixture
def sf(sandbox_info: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Salesforce]:
    """A client from instance_url + session id; CA bundles from the environment would win
    over ``session.verify`` (psf/requests#3829), so they are removed for the test."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    info = sandbox_info["salesforce"]
    session = requests.Session()
    session.verify = info["ca_cert"]
    token = session.post(f"{info['instance_url']}/services/oauth2/token", data={
        "grant_type": "password", "client_id": info["client_id"],
        "client_secret": info["client_secret"], "username": info["username"],
        "password": info["password"] + info["security_token"]}, timeout=30)
    assert token.status_code == 200, token.text
    yield Salesforce(instance_url=info["instance_url"], session_id=token.json()["access_token"],
                     session=session)
    session.close()


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_upsert_of_10000_rows_reports_failed_rows(sf: Salesforce, tmp_path: Path) -> None:
    k = "S" + uuid.uuid4().hex[:6].upper()
    bad_email = {i for i in range(10_000) if i % 997 == 5}
    too_long = {i for i in range(10_000) if i % 1_499 == 7}
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SAP_ContactKey__c", "LastName", "Email"])
        for i in range(10_000):
            name = "N" * 81 if i in too_long else f"Bulk {i}"
            email = f"bad{i}@@x" if i in bad_email else f"c{i}@bulk.test"
            writer.writerow([f"{k}-{i:05d}", name, email])
    results = sf.bulk2.Contact.upsert(str(path), external_id_field="SAP_ContactKey__c", wait=0.2)
    failures = len(bad_email | too_long)
    assert len(results) == 1
    assert {k2: v for k2, v in results[0].items() if k2 != "job_id"} == {
        "numberRecordsFailed": failures, "numberRecordsProcessed": 10_000,
        "numberRecordsTotal": 10_000}
    job_id = results[0]["job_id"]
    failed = parse(sf.bulk2.Contact.get_failed_records(job_id))
    assert sorted(int(r["SAP_ContactKey__c"].rsplit("-", 1)[1]) for r in failed) == sorted(
        bad_email | too_long)
    by_row = {int(r["SAP_ContactKey__c"].rsplit("-", 1)[1]): r for r in failed}
    email_row = min(bad_email - too_long)
    assert by_row[email_row]["sf__Error"] == (
        f"INVALID_EMAIL_ADDRESS:Email: invalid email address: bad{email_row}@@x:Email --")
    assert by_row[min(too_long)]["sf__Error"].startswith(
        "STRING_TOO_LONG:Last Name: data value too large: NNNN")
    succeeded = parse(sf.bulk2.Contact.get_successful_records(job_id))
    assert len(succeeded) == 10_000 - failures
    assert {r["sf__Created"] for r in succeeded} == {"true"}
    assert parse(sf.bulk2.Contact.get_unprocessed_records(job_id)) == []
    again = sf.bulk2.Contact.upsert(
        records=[{"SAP_ContactKey__c": f"{k}-00000", "LastName": "Changed"}],
        external_id_field="SAP_ContactKey__c", wait=0.2)
    updated = parse(sf.bulk2.Contact.get_successful_records(again[0]["job_id"]))
    assert [(r["sf__Created"], r["LastName"]) for r in updated] == [("false", "Changed")]


def test_insert_query_and_delete(sf: Salesforce, tmp_path: Path) -> None:
    k = "Q" + uuid.uuid4().hex[:6].upper()
    records = [{"Name": f"SS {k} {i}", "SAP_CardCode__c": f"{k}{i:03d}"} for i in range(30)]
    inserted = sf.bulk2.Account.insert(records=records, wait=0.2)
    assert inserted[0]["numberRecordsFailed"] == 0
    assert inserted[0]["numberRecordsProcessed"] == 30
    pages = list(sf.bulk2.Account.query(
        f"SELECT Id, Name FROM Account WHERE SAP_CardCode__c LIKE '{k}%' ORDER BY Name",
        max_records=12, wait=0.2))
    assert len(pages) == 3
    found = [row for page in pages for row in parse(page)]
    assert len(found) == 30
    assert found[0]["Name"] == f"SS {k} 0"
    ids_csv = tmp_path / "ids.csv"
    ids_csv.write_text("Id\n" + "".join(f"{r['Id']}\n" for r in found))
    deleted = sf.bulk2.Account.delete(str(ids_csv), wait=0.2)
    assert (deleted[0]["numberRecordsProcessed"], deleted[0]["numberRecordsFailed"]) == (30, 0)
    remaining = list(sf.bulk2.Account.query(
        f"SELECT Id FROM Account WHERE SAP_CardCode__c LIKE '{k}%'", wait=0.2))
    assert [parse(page) for page in remaining] == [[]]
