"""OAuth flows, token refresh and the secrets' hygiene against the Salesforce sandbox."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from b1hub.connectors.salesforce import SalesforceClient, SalesforceConnection
from b1hub.connectors.salesforce.auth import AuthenticationFailed


@pytest.mark.parametrize("flow", ["password", "client_credentials", "jwt_bearer"])
def test_each_flow_gets_a_token_that_the_api_accepts(
    sandbox_file: Path, flow: str
) -> None:
    conn = SalesforceConnection.from_sandbox_file(sandbox_file, auth_flow=flow)
    with SalesforceClient(conn) as client:
        describe = client.describe("Account")
        assert isinstance(describe, dict) and describe["name"] == "Account"
        assert client.counters.logins == 1
        assert client.counters.requests["auth"] == 1


def test_expired_session_is_refreshed_once_and_the_call_repeated(
    sf_client: SalesforceClient, sf_admin: httpx.Client
) -> None:
    first = sf_client.describe("Contact")
    assert isinstance(first, dict)
    sf_admin.post("/_sandbox/sessions/expire").raise_for_status()
    second = sf_client.describe("Lead")
    assert isinstance(second, dict) and second["name"] == "Lead"
    assert sf_client.counters.relogins == 1
    assert sf_client.counters.requests["read"] == 3


def test_refused_credentials_raise_without_leaking_secrets(sandbox_file: Path) -> None:
    conn = SalesforceConnection.from_sandbox_file(sandbox_file, password="wrong-pass-xyz",
                                                  client_secret="wrong-secret-xyz")
    text = repr(conn) + str(conn.model_dump())
    assert "wrong-pass-xyz" not in text and "wrong-secret-xyz" not in text
    with SalesforceClient(conn) as client, pytest.raises(AuthenticationFailed) as err:
        client.describe("Account")
    assert "invalid_client" in str(err.value) or "invalid_grant" in str(err.value)
    assert "wrong-pass-xyz" not in str(err.value)


def test_token_repr_hides_the_access_token(sf_client: SalesforceClient) -> None:
    sf_client.describe("Account")
    token = sf_client.transport.tokens.current()
    assert token.access_token not in repr(token)
