"""Validation errors with Salesforce's codes, messages and HTTP statuses."""

from __future__ import annotations

import httpx
import pytest
from sf_helpers import V, create, errors, key


@pytest.mark.parametrize(
    ("sobject", "body", "expected"),
    [
        ("Contact", {"FirstName": "No"},
         ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]")),
        ("Account", {"Name": "x", "BillingCity": "c" * 41},
         ("STRING_TOO_LONG", f"Billing City: data value too large: {'c' * 41} "
                             "(max length=40)")),
        ("Contact", {"LastName": "x", "Email": "123"},
         ("INVALID_EMAIL_ADDRESS", "Email: invalid email address: 123")),
        ("Account", {"Name": "x", "Type": "Alien"},
         ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
          "Account Type: bad value for restricted picklist field: Alien")),
        ("Account", {"Name": "x", "Foo__c": 1},
         ("INVALID_FIELD", "No such column 'Foo__c' on sobject of type Account")),
        ("Contact", {"LastName": "x", "AccountId": "0035S0000000001QAA"},
         ("MALFORMED_ID", "Account ID: id value of incorrect type: 0035S0000000001QAA")),
        ("Contact", {"LastName": "x", "AccountId": "0015S00000ZZZZZ"},
         ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")),
    ],
)
def test_field_errors(
    api: httpx.Client, sobject: str, body: dict[str, object], expected: tuple[str, str]
) -> None:
    response = api.post(f"{V}/sobjects/{sobject}/", json=body)
    assert response.status_code == 400
    assert errors(response) == [expected]


def test_read_only_fields_are_refused(api: httpx.Client) -> None:
    response = api.post(f"{V}/sobjects/Account/",
                        json={"Name": "x", "CreatedDate": "2020-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert response.json()[0]["fields"] == ["CreatedDate"]


def test_bad_json_is_a_parser_error(api: httpx.Client) -> None:
    response = api.post(f"{V}/sobjects/Account/", content=b"{nope",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_unique_external_id_is_case_insensitive(api: httpx.Client) -> None:
    code = key("D")
    first = create(api, "Account", Name="Dup A", SAP_CardCode__c=code)
    response = api.post(f"{V}/sobjects/Account/", json={"Name": "Dup B",
                                                       "SAP_CardCode__c": code.lower()})
    assert response.status_code == 400
    assert errors(response) == [("DUPLICATE_VALUE",
                                 "duplicate value found: SAP_CardCode__c duplicates value on "
                                 f"record with id: {first[:15]}")]


def test_reference_to_a_deleted_record(api: httpx.Client) -> None:
    account_id = create(api, "Account", Name="Soon gone")
    api.delete(f"{V}/sobjects/Account/{account_id}")
    response = api.post(f"{V}/sobjects/Contact/", json={"LastName": "x",
                                                       "AccountId": account_id})
    assert errors(response) == [("ENTITY_IS_DELETED", "entity is deleted")]


def test_foreign_key_by_external_id(api: httpx.Client) -> None:
    code = key("F")
    account_id = create(api, "Account", Name="Parent Co", SAP_CardCode__c=code)
    contact_id = create(api, "Contact", LastName="Child",
                        Account={"SAP_CardCode__c": code})
    assert api.get(f"{V}/sobjects/Contact/{contact_id}").json()["AccountId"] == account_id
