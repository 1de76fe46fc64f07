"""REST record resources over HTTPS: CRUD, upsert, external ids, getUpdated/getDeleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sf_helpers import V, create, errors, key


def test_create_retrieve_update_delete(api: httpx.Client) -> None:
    response = api.post(f"{V}/sobjects/Account/", json={"Name": "Rec Co", "Type": "Prospect"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["errors"] == []
    account_id = body["id"]
    assert len(account_id) == 18 and account_id.startswith("001")
    record = api.get(f"{V}/sobjects/Account/{account_id}").json()
    assert record["attributes"] == {"type": "Account",
                                    "url": f"{V}/sobjects/Account/{account_id}"}
    assert record["Name"] == "Rec Co" and record["IsDeleted"] is False
    assert record["CreatedDate"] == record["SystemModstamp"]
    assert record["CreatedDate"].endswith("+0000")
    assert record["CurrencyIsoCode"] == "USD"
    partial = api.get(f"{V}/sobjects/Account/{account_id}", params={"fields": "Name,Type"})
    assert set(partial.json()) == {"attributes", "Name", "Type"}
    patched = api.patch(f"{V}/sobjects/Account/{account_id}", json={"Phone": "123"},
                        headers={"Sforce-Call-Options": "client=b1hub-test"})
    assert patched.status_code == 204 and patched.content == b""
    after = api.get(f"{V}/sobjects/Account/{account_id}").json()
    assert after["Phone"] == "123" and after["SystemModstamp"] >= record["SystemModstamp"]
    assert api.delete(f"{V}/sobjects/Account/{account_id}").status_code == 204
    again = api.delete(f"{V}/sobjects/Account/{account_id}")
    assert again.status_code == 404
    assert errors(again) == [("ENTITY_IS_DELETED", "entity is deleted")]
    assert api.get(f"{V}/sobjects/Account/{account_id}").status_code == 404


def test_writes_record_the_caller_and_client(api: httpx.Client) -> None:
    account_id = create(api, "Account", Name="Client Co")
    api.patch(f"{V}/sobjects/Account/{account_id}", json={"Phone": "1"},
              headers={"Sforce-Call-Options": "client=b1hub, defaultNamespace=x"})
    rows = api.get(f"{V}/query", params={
        "q": f"SELECT LastModifiedById, LastModifiedByClient FROM Account "
             f"WHERE Id = '{account_id}'"}).json()["records"]
    assert rows[0]["LastModifiedByClient"] == "b1hub"
    assert rows[0]["LastModifiedById"].startswith("005")
    described = api.get(f"{V}/sobjects/Account/describe").json()
    assert "LastModifiedByClient" not in {f["name"] for f in described["fields"]}


def test_nonexistent_record_is_not_found(api: httpx.Client) -> None:
    response = api.get(f"{V}/sobjects/Account/0015S00000ZZZZZ")
    assert response.status_code == 404
    assert errors(response)[0][0] == "NOT_FOUND"


def test_upsert_by_external_id_creates_then_updates(api: httpx.Client) -> None:
    code = key("U")
    url = f"{V}/sobjects/Account/SAP_CardCode__c/{code}"
    first = api.patch(url, json={"Name": "Upsert Co"})
    assert first.status_code == 201
    assert first.json() == {"id": first.json()["id"], "success": True, "errors": [],
                            "created": True}
    second = api.patch(f"{V}/sobjects/Account/SAP_CardCode__c/{code.lower()}",
                       json={"Name": "Upsert Co 2"})
    assert second.status_code == 200
    assert second.json()["created"] is False and second.json()["id"] == first.json()["id"]
    by_ext = api.get(url)
    assert by_ext.status_code == 200 and by_ext.json()["Name"] == "Upsert Co 2"
    unknown = api.patch(f"{V}/sobjects/Account/Nope__c/{code}", json={"Name": "x"})
    assert unknown.status_code == 404 and errors(unknown)[0][0] == "NOT_FOUND"


def test_upsert_on_a_non_unique_external_id_with_several_matches_is_300(
    anon: httpx.Client, api: httpx.Client
) -> None:
    field = f"Ext{key('')[:6]}__c"
    made = anon.post("/_sandbox/fields", json={"sobject": "Contact", "name": field,
                                               "type": "string", "length": 20,
                                               "external_id": True})
    assert made.status_code == 201
    value = key("M")
    ids = [create(api, "Contact", LastName=f"Twin {i}", **{field: value}) for i in range(2)]
    response = api.patch(f"{V}/sobjects/Contact/{field}/{value}", json={"LastName": "X"})
    assert response.status_code == 300
    assert sorted(response.json()) == sorted(f"{V}/sobjects/Contact/{i}" for i in ids)


def test_get_updated_and_deleted(api: httpx.Client) -> None:
    start = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    account_id = create(api, "Account", Name="Replicated Co")
    gone_id = create(api, "Account", Name="Deleted Co")
    api.delete(f"{V}/sobjects/Account/{gone_id}")
    end = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    updated = api.get(f"{V}/sobjects/Account/updated/", params={"start": start, "end": end})
    assert updated.status_code == 200
    assert account_id in updated.json()["ids"] and gone_id not in updated.json()["ids"]
    covered = updated.json()["latestDateCovered"]
    assert covered.endswith("+0000") and covered <= end.replace("+00:00", ".000+0000")
    deleted = api.get(f"{V}/sobjects/Account/deleted/", params={"start": start, "end": end})
    assert gone_id in [r["id"] for r in deleted.json()["deletedRecords"]]
    assert "earliestDateAvailable" in deleted.json()
