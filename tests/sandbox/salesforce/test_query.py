"""REST query and queryAll: paging, batch size, deleted rows, errors."""

from __future__ import annotations

import httpx
from sf_helpers import V, create, key


def _fill(api: httpx.Client, tag: str, count: int) -> None:
    for start in range(0, count, 200):
        records = [{"attributes": {"type": "Lead"}, "LastName": f"Q{i}", "Company": tag}
                   for i in range(start, min(count, start + 200))]
        assert all(r["success"] for r in api.post(f"{V}/composite/sobjects",
                                                  json={"records": records}).json())


def test_batch_size_pages_through_next_records_url(api: httpx.Client) -> None:
    tag = key("B")
    _fill(api, tag, 450)
    soql = f"SELECT Id FROM Lead WHERE Company = '{tag}'"
    page = api.get(f"{V}/query/", params={"q": soql},
                   headers={"Sforce-Query-Options": "batchSize=200"}).json()
    seen, pages = [r["Id"] for r in page["records"]], 1
    assert page["totalSize"] == 450 and len(seen) == 200
    while not page["done"]:
        page = api.get(page["nextRecordsUrl"]).json()
        seen += [r["Id"] for r in page["records"]]
        pages += 1
    assert pages == 3 and len(set(seen)) == 450


def test_query_all_includes_deleted(api: httpx.Client) -> None:
    tag = key("D")
    record_id = create(api, "Lead", LastName="Gone", Company=tag)
    api.delete(f"{V}/sobjects/Lead/{record_id}")
    soql = f"SELECT Id, IsDeleted FROM Lead WHERE Company = '{tag}'"
    assert api.get(f"{V}/query", params={"q": soql}).json()["totalSize"] == 0
    rows = api.get(f"{V}/queryAll", params={"q": soql}).json()["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(record_id, True)]


def test_query_errors(api: httpx.Client) -> None:
    malformed = api.get(f"{V}/query", params={"q": "SELEC Id FROM Account"})
    assert malformed.status_code == 400
    assert malformed.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = api.get(f"{V}/query", params={"q": "SELECT Nope__c FROM Account"})
    assert unknown.status_code == 400
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"
    stale = api.get(f"{V}/query/01g5Sdeadbeef00-2000")
    assert stale.status_code == 400
    assert stale.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
