"""The integration user's Id: what ``LastModifiedById`` holds on the hub's own writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b1hub.connectors.outcomes import Success
from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection

PERSON = "jane.carter@b1hub.sandbox"


def _user_id(client: SalesforceClient, username: str) -> str:
    [page] = list(client.query(f"SELECT Id FROM User WHERE Username = '{username}'"))
    assert isinstance(page, list) and len(page) == 1, page
    return str(page[0]["Id"])


@pytest.mark.parametrize("flow", ["password", "client_credentials", "jwt_bearer"])
def test_every_flow_names_the_integration_user_from_the_token(
    sandbox_file: Path, flow: str
) -> None:
    username = json.loads(sandbox_file.read_text())["salesforce"]["username"]
    conn = SalesforceConnection.from_sandbox_file(sandbox_file, auth_flow=flow)
    with SalesforceClient(conn) as client:
        user = client.integration_user_id()
        assert (client.counters.requests["auth"], client.counters.api_calls) == (1, 0)
        assert client.integration_user_id() == user == _user_id(client, username)
        assert (client.counters.requests["auth"], client.counters.api_calls) == (1, 1)
        info = client.userinfo()
        assert isinstance(info, dict) and info["user_id"] == user


def test_another_user_is_not_the_integration_user(
    sandbox_file: Path, sf_client: SalesforceClient, prefix: str
) -> None:
    person = SalesforceConnection.from_sandbox_file(sandbox_file, auth_flow="jwt_bearer",
                                                    username=PERSON)
    with SalesforceClient(person) as client:
        assert client.integration_user_id() == _user_id(client, PERSON)
        made = client.create("Account", {"Name": f"{prefix} by a person"}, prefix)
    hub = sf_client.integration_user_id()
    assert isinstance(made, Success) and hub != _user_id(sf_client, PERSON)
    [before] = list(sf_client.query(
        f"SELECT LastModifiedById FROM Account WHERE Id = '{made.remote_id}'"))
    assert isinstance(before, list) and before[0]["LastModifiedById"] != hub
    assert isinstance(sf_client.update("Account", str(made.remote_id), {"Phone": "1"}, prefix),
                      Success)
    [after] = list(sf_client.query(
        f"SELECT LastModifiedById FROM Account WHERE Id = '{made.remote_id}'"))
    assert isinstance(after, list) and after[0]["LastModifiedById"] == hub
