"""Acceptance: simple-salesforce 1.12.10, unmodified, against the sandbox over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sf_helpers import key
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed


@pytest.fixture
def session(sf_info: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[requests.Session]:
    # requests merges these over Session.verify (psf/requests#3829).
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with requests.Session() as s:
        s.verify = sf_info["ca_cert"]
        yield s


@pytest.fixture
def sf(sf_info: dict[str, Any], session: requests.Session) -> Salesforce:
    session_id, instance = SalesforceLogin(
        username=sf_info["username"], password=sf_info["password"],
        security_token=sf_info["security_token"], scratch_url=sf_info["instance_url"],
        session=session,
    )
    assert f"https://{instance}" == sf_info["instance_url"]
    return Salesforce(instance_url=sf_info["instance_url"], session_id=session_id,
                      session=session)


def test_soap_login_rejects_a_wrong_password(
    sf_info: dict[str, Any], session: requests.Session
) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        SalesforceLogin(username=sf_info["username"], password="wrong",
                        security_token=sf_info["security_token"],
                        scratch_url=sf_info["instance_url"], session=session)
    assert failure.value.code == "INVALID_LOGIN"


def test_crud_upsert_and_api_usage(sf: Salesforce) -> None:
    code = key("S")[:15]
    account = sf.Account  # each attribute access builds a new SFType with its own usage
    created = account.create({"Name": "SS Create", "SAP_CardCode__c": code})
    assert created["success"] is True
    account_id = created["id"]
    usage_after_create = account.api_usage["api-usage"].used
    assert account.update(account_id, {"Phone": "+1 555 0100"}) == 204
    assert account.get(account_id)["Phone"] == "+1 555 0100"
    assert account.api_usage["api-usage"].used == usage_after_create + 2
    assert account.api_usage["api-usage"].total == 1_000_000
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert sf.api_usage["api-usage"].used == usage_after_create + 3
    assert sf.Account.upsert(f"SAP_CardCode__c/{code}", {"Name": "SS Upserted"}) == 200
    assert sf.Account.get_by_custom_id("SAP_CardCode__c", code)["Name"] == "SS Upserted"
    new_code = key("N")[:15]
    assert sf.Account.upsert(f"SAP_CardCode__c/{new_code}", {"Name": "SS New"}) == 201
    assert sf.Account.delete(account_id) == 204


def test_query_all_pages_beyond_2000_records(sf: Salesforce) -> None:
    tag = key("Q")
    records = [{"attributes": {"type": "Lead"}, "LastName": f"Bulk {i}", "Company": tag}
               for i in range(200)]
    for _ in range(11):
        results = sf.restful("composite/sobjects", method="POST",
                             json={"allOrNone": True, "records": records})
        assert all(r["success"] for r in results)
    result = sf.query_all(f"SELECT Id, LastName FROM Lead WHERE Company = '{tag}'")
    assert result["totalSize"] == 2200
    assert len(result["records"]) == 2200
    assert len({r["Id"] for r in result["records"]}) == 2200
    first_page = sf.query(f"SELECT Id FROM Lead WHERE Company = '{tag}'")
    assert first_page["done"] is False
    assert len(first_page["records"]) == 2000
    assert first_page["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
