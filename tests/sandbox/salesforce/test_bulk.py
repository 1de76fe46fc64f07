"""Bulk API 2.0 over real HTTPS against the sandbox process: ingest jobs, then query jobs."""

from __future__ import annotations

import csv
import io
import ssl
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

INGEST = "/services/data/v59.0/jobs/ingest"
QUERY = "/services/data/v59.0/jobs/query"
DONE = ("JobComplete", "Failed", "Aborted")


def sf_client(info: dict[str, Any]) -> httpx.Client:
    """An httpx client holding a session from the OAuth password flow."""
    sf = info["salesforce"]
    client = httpx.Client(base_url=sf["instance_url"], timeout=60,
                          verify=ssl.create_default_context(cafile=sf["ca_cert"]))
    token = client.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": sf["client_id"],
        "client_secret": sf["client_secret"], "username": sf["username"],
        "password": sf["password"] + sf["security_token"]})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


@pytest.fixture
def sf(sandbox_info: dict[str, Any]) -> Iterator[httpx.Client]:
    client = sf_client(sandbox_info)
    yield client
    client.close()


def key() -> str:
    """A fresh external-id prefix, so tests never see each other's rows."""
    return "T" + uuid.uuid4().hex[:7].upper()


def create(sf: httpx.Client, **body: Any) -> dict[str, Any]:
    r = sf.post(INGEST, json={"contentType": "CSV", "lineEnding": "LF", **body})
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait(sf: httpx.Client, path: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = sf.get(path).json()
        if info["state"] in DONE:
            return dict(info)
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {info}")


def run_job(sf: httpx.Client, csv_text: str, **body: Any) -> dict[str, Any]:
    job = create(sf, **body)
    r = sf.put(f"{INGEST}/{job['id']}/batches", content=csv_text.encode(),
               headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    closed = sf.patch(f"{INGEST}/{job['id']}", json={"state": "UploadComplete"})
    assert closed.status_code == 200
    assert closed.json()["state"] == "UploadComplete"
    return wait(sf, f"{INGEST}/{job['id']}")


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def bulk_query(sf: httpx.Client, soql: str, operation: str = "query") -> list[list[str]]:
    r = sf.post(QUERY, json={"operation": operation, "query": soql})
    assert r.status_code == 200, r.text
    job_id = r.json()["id"]
    assert wait(sf, f"{QUERY}/{job_id}")["state"] == "JobComplete"
    return rows(sf.get(f"{QUERY}/{job_id}/results").text)


def test_create_returns_the_open_job_info(sf: httpx.Client) -> None:
    job = create(sf, object="account", operation="upsert",
                 externalIdFieldName="sap_cardcode__c", columnDelimiter="COMMA")
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert {k: v for k, v in job.items() if k not in ("id", "createdById", "createdDate",
                                                       "systemModstamp")} == {
        "operation": "upsert", "object": "Account", "state": "Open",
        "externalIdFieldName": "SAP_CardCode__c", "concurrencyMode": "Parallel",
        "contentType": "CSV", "apiVersion": 59.0, "jobType": "V2Ingest",
        "contentUrl": f"services/data/v59.0/jobs/ingest/{job['id']}/batches",
        "lineEnding": "LF", "columnDelimiter": "COMMA"}
    assert job["createdById"].startswith("005")
    listed = sf.get(INGEST).json()
    assert listed["done"] is True
    assert job["id"] in [j["id"] for j in listed["records"]]


def test_upload_answers_201_without_body(sf: httpx.Client) -> None:
    job = create(sf, object="Account", operation="insert")
    r = sf.put(f"{INGEST}/{job['id']}/batches", content=b"Name\nX\n",
               headers={"Content-Type": "text/csv"})
    assert (r.status_code, r.content) == (201, b"")
    assert sf.patch(f"{INGEST}/{job['id']}", json={"state": "Aborted"}).json()["state"] == \
        "Aborted"


def test_insert_reports_each_row_and_counts(sf: httpx.Client) -> None:
    k = key()
    text = (f"LastName,Email,SAP_ContactKey__c\nGood,good@x.test,{k}-1\n"
            f",nobody@x.test,{k}-2\nBad,not-an-email,{k}-3\n{'L' * 81},ok@x.test,{k}-4\n")
    info = run_job(sf, text, object="Contact", operation="insert")
    assert info["state"] == "JobComplete"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (4, 3)
    ok = rows(sf.get(f"{INGEST}/{info['id']}/successfulResults/").text)
    assert ok[0] == ["sf__Id", "sf__Created", "LastName", "Email", "SAP_ContactKey__c"]
    assert len(ok) == 2 and ok[1][0].startswith("003") and ok[1][1:] == [
        "true", "Good", "good@x.test", f"{k}-1"]
    failed = rows(sf.get(f"{INGEST}/{info['id']}/failedResults/").text)
    assert failed == [
        ["sf__Id", "sf__Error", "LastName", "Email", "SAP_ContactKey__c"],
        ["", "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
         "", "nobody@x.test", f"{k}-2"],
        ["", "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --",
         "Bad", "not-an-email", f"{k}-3"],
        ["", f"STRING_TOO_LONG:Last Name: data value too large: {'L' * 81} (max length=80)"
             ":LastName --", "L" * 81, "ok@x.test", f"{k}-4"],
    ]
    for name in ("unprocessedrecords", "unprocessedRecords"):
        unprocessed = sf.get(f"{INGEST}/{info['id']}/{name}/")
        assert (unprocessed.status_code, unprocessed.text) == (
            200, '"LastName","Email","SAP_ContactKey__c"\n')
    assert sf.get(f"{INGEST}/{info['id']}/failedResults").text.startswith('"sf__Id","sf__Error"')


def test_upsert_links_parents_by_external_id_and_reports_created(sf: httpx.Client) -> None:
    k = key()
    accounts = run_job(sf, f"Name,SAP_CardCode__c\nParent {k},{k}\n", object="Account",
                       operation="insert")
    assert accounts["numberRecordsFailed"] == 0
    text = (f"SAP_ContactKey__c,LastName,Account.SAP_CardCode__c\n{k}-a,First,{k}\n"
            f"{k}-b,Second,NOPE{k}\n")
    first = run_job(sf, text, object="Contact", operation="upsert",
                    externalIdFieldName="SAP_ContactKey__c")
    assert (first["numberRecordsProcessed"], first["numberRecordsFailed"]) == (2, 1)
    failed = rows(sf.get(f"{INGEST}/{first['id']}/failedResults").text)
    assert failed[1][1] == (f"INVALID_FIELD:Foreign key external ID: NOPE{k} not found for "
                            "field SAP_CardCode__c in entity Account:--")
    second = run_job(sf, f"SAP_ContactKey__c,LastName\n{k}-a,Renamed\n{k}-c,Third\n",
                     object="Contact", operation="upsert",
                     externalIdFieldName="SAP_ContactKey__c")
    ok = rows(sf.get(f"{INGEST}/{second['id']}/successfulResults").text)
    assert sorted((r[1], r[2]) for r in ok[1:]) == [("false", f"{k}-a"), ("true", f"{k}-c")]
    found = bulk_query(sf, "SELECT SAP_ContactKey__c, LastName, Account.SAP_CardCode__c "
                           f"FROM Contact WHERE SAP_ContactKey__c LIKE '{k}-%' "
                           "ORDER BY SAP_ContactKey__c")
    assert found == [["SAP_ContactKey__c", "LastName", "Account.SAP_CardCode__c"],
                     [f"{k}-a", "Renamed", k], [f"{k}-c", "Third", ""]]


def test_update_clears_with_na_and_delete_removes(sf: httpx.Client) -> None:
    k = key()
    inserted = run_job(sf, f"LastName,Title,SAP_ContactKey__c\nA,Boss,{k}-1\nB,Clerk,{k}-2\n",
                       object="Contact", operation="insert")
    ids = [r[0] for r in rows(sf.get(f"{INGEST}/{inserted['id']}/successfulResults").text)[1:]]
    updated = run_job(sf, f"Id,Title,LastName\n{ids[0]},#N/A,\n{ids[1]},Chief,Bee\n"
                          "003000000000000AAA,X,Y\n", object="Contact", operation="update")
    assert (updated["numberRecordsProcessed"], updated["numberRecordsFailed"]) == (3, 1)
    found = bulk_query(sf, "SELECT Id, LastName, Title FROM Contact "
                           f"WHERE SAP_ContactKey__c LIKE '{k}-%' ORDER BY SAP_ContactKey__c")
    assert found[1:] == [[ids[0], "A", ""], [ids[1], "Bee", "Chief"]]
    deleted = run_job(sf, f"Id\n{ids[0]}\n{ids[1]}\n", object="Contact", operation="delete")
    assert (deleted["numberRecordsProcessed"], deleted["numberRecordsFailed"]) == (2, 0)
    ok = rows(sf.get(f"{INGEST}/{deleted['id']}/successfulResults").text)
    assert [r[:2] for r in ok[1:]] == [[ids[0], "false"], [ids[1], "false"]]
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE SAP_ContactKey__c LIKE '{k}-%'"
    assert bulk_query(sf, soql) == [["Id", "IsDeleted"]]
    assert sorted(bulk_query(sf, soql, "queryAll")[1:]) == [[ids[0], "true"], [ids[1], "true"]]


def test_unknown_column_fails_the_job(sf: httpx.Client) -> None:
    info = run_job(sf, "Name,Bogus__c\nX,1\n", object="Account", operation="insert")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Bogus__c"
    assert info["numberRecordsProcessed"] == 0


def test_create_refuses_unknown_object_and_non_external_id(sf: httpx.Client) -> None:
    r = sf.post(INGEST, json={"object": "Nope", "operation": "insert"})
    assert r.status_code == 400
    assert r.json() == [{"errorCode": "INVALIDJOB", "message": "Unable to find object: Nope"}]
    r = sf.post(INGEST, json={"object": "Account", "operation": "upsert",
                              "externalIdFieldName": "Name"})
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == "INVALIDJOB"
    r = sf.post(INGEST, json={"object": "Account", "operation": "merge"})
    assert (r.status_code, r.json()[0]["errorCode"]) == (400, "INVALIDJOB")


def test_unknown_job_is_404_and_delete_removes_the_job(sf: httpx.Client) -> None:
    missing = sf.get(f"{INGEST}/7505S00000ZZZZZAAA")
    assert missing.status_code == 404
    assert missing.json() == [{"errorCode": "NOT_FOUND",
                               "message": "The requested resource does not exist"}]
    job = create(sf, object="Account", operation="insert")
    assert sf.patch(f"{INGEST}/{job['id']}", json={"state": "Aborted"}).status_code == 200
    late = sf.put(f"{INGEST}/{job['id']}/batches", content=b"Name\nX\n",
                  headers={"Content-Type": "text/csv"})
    assert late.status_code == 409
    assert sf.delete(f"{INGEST}/{job['id']}").status_code == 204
    assert sf.get(f"{INGEST}/{job['id']}").status_code == 404


def test_large_job_progresses_in_chunks_while_the_server_answers(sf: httpx.Client) -> None:
    k = key()
    lines = ["Name,SAP_CardCode__c"] + [f"Big {i},{k}{i:05d}" for i in range(12_000)]
    job = create(sf, object="Account", operation="upsert", externalIdFieldName="SAP_CardCode__c")
    assert sf.put(f"{INGEST}/{job['id']}/batches", content="\n".join(lines).encode(),
                  headers={"Content-Type": "text/csv"}).status_code == 201
    sf.patch(f"{INGEST}/{job['id']}", json={"state": "UploadComplete"})
    seen: set[int] = set()
    while True:
        info = sf.get(f"{INGEST}/{job['id']}").json()
        if info["state"] in DONE:
            break
        if info["state"] == "InProgress":
            seen.add(info["numberRecordsProcessed"])
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 12_000
    assert any(0 < n < 12_000 for n in seen), seen


# --- query jobs ---------------------------------------------------------------------------


def start(sf: httpx.Client, soql: str, operation: str = "query") -> dict[str, Any]:
    r = sf.post(QUERY, json={"operation": operation, "query": soql,
                             "columnDelimiter": "COMMA", "lineEnding": "LF"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_query_job_info_and_states(sf: httpx.Client) -> None:
    job = start(sf, "SELECT Id FROM Account LIMIT 3")
    assert job["id"].startswith("750")
    assert job["state"] == "UploadComplete"
    assert (job["operation"], job["jobType"], job["contentType"]) == ("query", "V2Query", "CSV")
    info = wait(sf, f"{QUERY}/{job['id']}")
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 3
    assert info["query"] == "SELECT Id FROM Account LIMIT 3"
    assert job["id"] in [j["id"] for j in sf.get(QUERY).json()["records"]]


def test_results_page_with_locator_until_null(sf: httpx.Client) -> None:
    k = key()
    lines = ["Name,SAP_CardCode__c,NumberOfEmployees,Website"]
    lines += [f"\"Page, {i}\",{k}{i:03d},{i},https://{i}.test" for i in range(25)]
    assert run_job(sf, "\n".join(lines) + "\n", object="Account",
                   operation="insert")["numberRecordsFailed"] == 0
    job = start(sf, "SELECT SAP_CardCode__c, Name, NumberOfEmployees, Owner.Alias FROM Account "
                    f"WHERE SAP_CardCode__c LIKE '{k}%' ORDER BY SAP_CardCode__c")
    wait(sf, f"{QUERY}/{job['id']}")
    pages: list[list[list[str]]] = []
    locator = ""
    counts = []
    while True:
        params = {"maxRecords": "10"} | ({"locator": locator} if locator else {})
        r = sf.get(f"{QUERY}/{job['id']}/results", params=params)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        counts.append(r.headers["Sforce-NumberOfRecords"])
        pages.append(list(csv.reader(io.StringIO(r.text))))
        locator = r.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert counts == ["10", "10", "5"]
    assert all(page[0] == ["SAP_CardCode__c", "Name", "NumberOfEmployees", "Owner.Alias"]
               for page in pages)
    body = [row for page in pages for row in page[1:]]
    assert [row[0] for row in body] == [f"{k}{i:03d}" for i in range(25)]
    assert body[3][1] == "Page, 3"
    assert body[3][2] in ("3", "3.0")
    assert body[3][3] != ""
    first = sf.get(f"{QUERY}/{job['id']}/results", params={"maxRecords": "10"}).text
    assert first.startswith('"SAP_CardCode__c","Name","NumberOfEmployees","Owner.Alias"\n"')


def test_all_rows_without_max_records(sf: httpx.Client) -> None:
    total = sf.get("/services/data/v59.0/query",
                   params={"q": "SELECT COUNT() FROM Product2"}).json()["totalSize"]
    job = start(sf, "SELECT Id, Name, IsActive FROM Product2")
    wait(sf, f"{QUERY}/{job['id']}")
    r = sf.get(f"{QUERY}/{job['id']}/results")
    assert r.headers["Sforce-Locator"] == "null"
    assert int(r.headers["Sforce-NumberOfRecords"]) == total
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == total + 1
    assert {row[2] for row in rows[1:]} <= {"true", "false"}


@pytest.mark.parametrize("soql, code", [
    ("SELECT Nope FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Nothing", "INVALID_TYPE"),
    ("SELECT Id Account", "MALFORMED_QUERY"),
])
def test_bad_soql_is_refused_at_create(sf: httpx.Client, soql: str, code: str) -> None:
    r = sf.post(QUERY, json={"operation": "query", "query": soql})
    assert r.status_code == 400
    assert r.json()[0]["errorCode"] == code


def test_results_of_unknown_job_are_404(sf: httpx.Client) -> None:
    r = sf.get(f"{QUERY}/7505S00000ZZZZZAAA/results")
    assert r.status_code == 404
    assert r.json()[0]["errorCode"] == "NOT_FOUND"
