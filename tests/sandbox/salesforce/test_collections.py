"""sObject Collections and Composite."""

from __future__ import annotations

import httpx
from sf_helpers import V, create, key

ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
               "message": "Record rolled back because not all records were valid and the "
                          "request was using AllOrNone header", "fields": []}


def _lead(name: str, **extra: object) -> dict[str, object]:
    return {"attributes": {"type": "Lead"}, "LastName": name, "Company": "Coll"} | extra


def test_create_reports_per_record(api: httpx.Client) -> None:
    response = api.post(f"{V}/composite/sobjects", json={"allOrNone": False, "records": [
        _lead("ok"), {"attributes": {"type": "Lead"}, "Company": "x"}]})
    assert response.status_code == 200
    ok, bad = response.json()
    assert ok["success"] is True and ok["id"].startswith("00Q")
    assert bad == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING",
        "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}]}


def test_all_or_none_rolls_back(api: httpx.Client) -> None:
    tag = key("R")
    response = api.post(f"{V}/composite/sobjects", json={"allOrNone": True, "records": [
        _lead(tag), _lead(tag, Email="bad")]})
    first, second = response.json()
    assert first == {"success": False, "errors": [ROLLED_BACK]}
    assert second["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    soql = f"SELECT COUNT() FROM Lead WHERE LastName = '{tag}'"
    count = api.get(f"{V}/query", params={"q": soql})
    assert count.json()["totalSize"] == 0


def test_more_than_200_records_is_refused(api: httpx.Client) -> None:
    response = api.post(f"{V}/composite/sobjects",
                        json={"records": [_lead("x")] * 201})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_update_upsert_retrieve_delete(api: httpx.Client) -> None:
    ids = [create(api, "Account", Name=f"Coll {i}") for i in range(2)]
    updated = api.patch(f"{V}/composite/sobjects", json={"records": [
        {"attributes": {"type": "Account"}, "id": ids[0], "Phone": "1"},
        {"attributes": {"type": "Account"}, "id": ids[1], "Type": "Alien"}]})
    assert [r["success"] for r in updated.json()] == [True, False]
    assert updated.json()[1]["id"] == ids[1]
    code = key("C")
    upserted = api.patch(f"{V}/composite/sobjects/Account/SAP_CardCode__c", json={
        "allOrNone": False, "records": [
            {"attributes": {"type": "Account"}, "SAP_CardCode__c": code, "Name": "New"}]})
    assert upserted.json()[0]["created"] is True
    again = api.patch(f"{V}/composite/sobjects/Account/SAP_CardCode__c", json={
        "records": [{"attributes": {"type": "Account"}, "SAP_CardCode__c": code,
                     "Name": "Changed"}]})
    assert again.json()[0]["created"] is False
    got = api.get(f"{V}/composite/sobjects/Account",
                  params={"ids": f"{ids[0]},{ids[1]}", "fields": "Name,Phone"})
    assert [r["Phone"] for r in got.json()] == ["1", None]
    deleted = api.delete(f"{V}/composite/sobjects", params={"ids": ",".join(ids)})
    assert [r["success"] for r in deleted.json()] == [True, True]
    twice = api.delete(f"{V}/composite/sobjects", params={"ids": ids[0]})
    assert twice.json()[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_composite_references_and_one_api_call(api: httpx.Client, anon: httpx.Client) -> None:
    code = key("P")
    before = anon.get("/_sandbox/usage").json()["used"]
    response = api.post(f"{V}/composite", json={"allOrNone": True, "compositeRequest": [
        {"method": "PATCH", "url": f"{V}/sobjects/Account/SAP_CardCode__c/{code}",
         "referenceId": "acct", "body": {"Name": "Composite Co"}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "person",
         "body": {"LastName": "Ref", "AccountId": "@{acct.id}"}},
        {"method": "GET", "url": f"{V}/sobjects/Contact/@{{person.id}}?fields=AccountId",
         "referenceId": "check"}]})
    assert response.status_code == 200
    acct, person, check = response.json()["compositeResponse"]
    assert acct["httpStatusCode"] == 201 and person["httpStatusCode"] == 201
    assert check["body"]["AccountId"] == acct["body"]["id"]
    assert anon.get("/_sandbox/usage").json()["used"] == before + 1


def test_composite_all_or_none_halts(api: httpx.Client) -> None:
    code = key("H")
    response = api.post(f"{V}/composite", json={"allOrNone": True, "compositeRequest": [
        {"method": "PATCH", "url": f"{V}/sobjects/Account/SAP_CardCode__c/{code}",
         "referenceId": "acct", "body": {"Name": "Halted Co"}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "bad",
         "body": {"LastName": "x", "Email": "not-an-email"}}]})
    acct, bad = response.json()["compositeResponse"]
    assert acct["httpStatusCode"] == 400 and acct["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert bad["body"][0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    assert api.get(f"{V}/sobjects/Account/SAP_CardCode__c/{code}").status_code == 404
    too_many = api.post(f"{V}/composite", json={"compositeRequest": [
        {"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)]})
    assert too_many.status_code == 400
