"""Validation rules, duplicate rules and injected row locks, switched on under /_sandbox/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sf_helpers import V, create, errors, key


@pytest.fixture
def clean_rules(anon: httpx.Client) -> Iterator[None]:
    yield
    anon.delete("/_sandbox/validation-rules")
    anon.delete("/_sandbox/duplicate-rules")
    anon.post("/_sandbox/config", json={"lock_error_rate": 0})


@pytest.mark.usefixtures("clean_rules")
def test_validation_rule(anon: httpx.Client, api: httpx.Client) -> None:
    rule = anon.post("/_sandbox/validation-rules", json={
        "sobject": "Contact", "field": "Phone", "condition": "blank",
        "message": "A phone number is required."})
    assert rule.status_code == 201
    response = api.post(f"{V}/sobjects/Contact/", json={"LastName": "NoPhone"})
    assert response.status_code == 400
    assert response.json() == [{"message": "A phone number is required.",
                                "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                "fields": ["Phone"]}]
    create(api, "Contact", LastName="HasPhone", Phone="1")


@pytest.mark.usefixtures("clean_rules")
def test_duplicate_rule_and_allow_save(anon: httpx.Client, api: httpx.Client) -> None:
    email = f"{key('d')}@dup.example.com"
    create(api, "Lead", LastName="First", Company="Dup", Email=email)
    anon.post("/_sandbox/duplicate-rules", json={"sobject": "Lead", "fields": ["Email"]})
    response = api.post(f"{V}/sobjects/Lead/", json={"LastName": "Second", "Company": "Dup",
                                                     "Email": email.upper()})
    assert response.status_code == 400
    error = response.json()[0]
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    assert error["duplicateResult"]["matchResults"][0]["entityType"] == "Lead"
    allowed = api.post(f"{V}/sobjects/Lead/", json={"LastName": "Second", "Company": "Dup",
                                                    "Email": email},
                       headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"})
    assert allowed.status_code == 201


def _locks_injected(anon: httpx.Client) -> int:
    return int(anon.get("/_sandbox/counters").json()["faults_injected"].get(
        "UNABLE_TO_LOCK_ROW", 0))


@pytest.mark.usefixtures("clean_rules")
def test_lock_errors_by_fault_injection(anon: httpx.Client, api: httpx.Client) -> None:
    before = _locks_injected(anon)
    anon.post("/_sandbox/config", json={"lock_error_rate": 1.0})
    response = api.post(f"{V}/sobjects/Account/", json={"Name": "Locked"})
    assert errors(response)[0][0] == "UNABLE_TO_LOCK_ROW"
    assert _locks_injected(anon) == before + 1
    anon.post("/_sandbox/config", json={"lock_error_rate": 0.5})
    results = api.post(f"{V}/composite/sobjects", json={"records": [
        {"attributes": {"type": "Account"}, "Name": f"L{i}"} for i in range(100)]}).json()
    failed = [r for r in results if not r["success"]]
    assert 20 < len(failed) < 80
    assert {r["errors"][0]["statusCode"] for r in failed} == {"UNABLE_TO_LOCK_ROW"}
    assert _locks_injected(anon) == before + 1 + len(failed)


def test_injected_5xx_uses_the_salesforce_error_shape(
    anon: httpx.Client, api: httpx.Client
) -> None:
    anon.post("/_sandbox/faults", json={"match": "GET /services/data/*/limits*",
                                        "status": 503, "remaining": 1})
    try:
        response = api.get(f"{V}/limits/")
        assert response.status_code == 503
        assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
        assert api.get(f"{V}/limits/").status_code == 200
        counters = anon.get("/_sandbox/counters").json()["routes"]
        assert counters["GET limits"] >= 2
    finally:
        anon.delete("/_sandbox/faults")
