"""The userinfo endpoint, and hidden fields refused as a real org refuses unknown ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sf_helpers import V, errors


@pytest.fixture
def real_org(anon: httpx.Client) -> Iterator[None]:
    """The shared sandbox answering like a real org: no ``LastModifiedByClient``."""
    assert anon.post("/_sandbox/config", json={"hidden_fields": False}).json()[
        "hidden_fields"] is False
    try:
        yield
    finally:
        anon.post("/_sandbox/config", json={"hidden_fields": True}).raise_for_status()


def test_userinfo_names_the_token_user(api: httpx.Client, sf_info: dict[str, Any]) -> None:
    [user] = api.get(f"{V}/query", params={
        "q": f"SELECT Id, Name FROM User WHERE Username = '{sf_info['username']}'"}).json()[
        "records"]
    info = api.get("/services/oauth2/userinfo")
    assert info.status_code == 200
    body = info.json()
    assert (body["user_id"], body["preferred_username"], body["name"], body["active"]) == (
        user["Id"], sf_info["username"], user["Name"], True)
    assert body["sub"].endswith(f"/id/{body['organization_id']}/{user['Id']}")


def test_userinfo_refuses_a_bad_token(anon: httpx.Client) -> None:
    refused = anon.get("/services/oauth2/userinfo", headers={"Authorization": "Bearer nope"})
    assert (refused.status_code, refused.text) == (403, "Bad_OAuth_Token")
    assert anon.get("/services/oauth2/userinfo").status_code == 403


def test_hidden_field_refused_when_answering_like_a_real_org(
    api: httpx.Client, real_org: None
) -> None:
    refused = api.get(f"{V}/query", params={
        "q": "SELECT Id FROM Account WHERE LastModifiedByClient != 'b1hub' LIMIT 1"})
    assert refused.status_code == 400
    [(code, message)] = errors(refused)
    assert code == "INVALID_FIELD"
    assert "No such column 'LastModifiedByClient' on entity 'Account'" in message
    fine = api.get(f"{V}/query", params={
        "q": "SELECT Id, LastModifiedById FROM Account WHERE LastModifiedById != null LIMIT 1"})
    assert fine.status_code == 200 and fine.json()["totalSize"] == 1


def test_config_refuses_a_non_boolean_hidden_fields(anon: httpx.Client) -> None:
    refused = anon.post("/_sandbox/config", json={"hidden_fields": "maybe"})
    assert refused.status_code == 400
    assert anon.get("/_sandbox/config").json()["hidden_fields"] is True
