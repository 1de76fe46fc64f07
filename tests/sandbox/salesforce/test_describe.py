"""Describe (global, per object, basic info) and custom fields added under /_sandbox/."""

from __future__ import annotations

import httpx
from sf_helpers import V, create, key


def test_global_describe_lists_the_objects(api: httpx.Client) -> None:
    body = api.get(f"{V}/sobjects/").json()
    prefixes = {s["name"]: s["keyPrefix"] for s in body["sobjects"]}
    assert body["maxBatchSize"] == 200
    assert prefixes["Account"] == "001" and prefixes["Lead"] == "00Q"
    assert prefixes["PricebookEntry"] == "01u" and prefixes["QuoteLineItem"] == "0QL"


def test_account_describe_reports_fields_like_salesforce(api: httpx.Client) -> None:
    body = api.get(f"{V}/sobjects/Account/describe/").json()
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["Name"]["nillable"] is False and fields["Name"]["length"] == 255
    code = fields["SAP_CardCode__c"]
    assert (code["externalId"], code["unique"], code["custom"], code["length"]) == (
        True, True, True, 15)
    assert code["idLookup"] is True
    account_type = fields["Type"]
    assert account_type["type"] == "picklist" and account_type["restrictedPicklist"] is True
    assert {"value": "Customer - Direct", "label": "Customer - Direct", "active": True,
            "defaultValue": False, "validFor": None} in account_type["picklistValues"]
    assert fields["ParentId"]["referenceTo"] == ["Account"]
    assert fields["ParentId"]["relationshipName"] == "Parent"
    assert fields["CreatedDate"]["createable"] is False
    assert {"USD", "EUR", "CAD"} == {v["value"] for v in fields["CurrencyIsoCode"][
        "picklistValues"]}
    assert api.get(f"{V}/sobjects/Nope/describe/").status_code == 404
    info = api.get(f"{V}/sobjects/Account/").json()
    assert info["objectDescribe"]["name"] == "Account"


def test_custom_field_added_at_runtime(anon: httpx.Client, api: httpx.Client) -> None:
    name = f"Udf{key('')[:6]}__c"
    made = anon.post("/_sandbox/fields", json={"sobject": "Account", "name": name,
                                               "type": "string", "length": 10,
                                               "label": "Segment"})
    assert made.status_code == 201
    fields = {f["name"]: f for f in api.get(f"{V}/sobjects/Account/describe").json()["fields"]}
    assert fields[name]["custom"] is True and fields[name]["length"] == 10
    account_id = create(api, "Account", Name="Udf Co", **{name: "Gold"})
    assert api.get(f"{V}/sobjects/Account/{account_id}").json()[name] == "Gold"
    too_long = api.post(f"{V}/sobjects/Account/", json={"Name": "x", name: "x" * 11})
    assert too_long.json()[0]["message"] == (
        f"Segment: data value too large: {'x' * 11} (max length=10)")
    duplicate = anon.post("/_sandbox/fields", json={"sobject": "Account", "name": name})
    assert duplicate.status_code == 400
