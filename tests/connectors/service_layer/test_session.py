"""Login, cookies, transparent re-login and logout against the Service Layer sandbox."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from b1hub.connectors.http import tls_verify
from b1hub.connectors.outcomes import Success
from b1hub.connectors.service_layer import ServiceLayerClient, ServiceLayerConnection
from b1hub.connectors.service_layer.session import AuthenticationFailed


def test_login_once_and_reuse_session(sl_client: ServiceLayerClient) -> None:
    for _ in range(3):
        assert isinstance(sl_client.get("BusinessPartners", "C000001"), Success)
    assert sl_client.counters.logins == 1
    assert sl_client.counters.api_calls == 3


def test_relogin_after_forced_expiry(sl_client: ServiceLayerClient, sl_admin: httpx.Client) -> None:
    assert isinstance(sl_client.get("BusinessPartners", "C000001"), Success)
    assert sl_admin.post("/_sandbox/sessions/expire").status_code == 200
    outcome = sl_client.get("BusinessPartners", "C000002")
    assert isinstance(outcome, Success) and outcome.remote_id == "C000002"
    assert sl_client.counters.relogins == 1
    assert sl_client.counters.requests["read"] == 3  # the 401 and the retried call


def test_threads_that_all_see_an_expired_session_log_in_once(
    sl_client: ServiceLayerClient, sl_admin: httpx.Client
) -> None:
    assert isinstance(sl_client.get("BusinessPartners", "C000001"), Success)
    sl_admin.post("/_sandbox/sessions/expire").raise_for_status()
    codes = [f"C{i:06d}" for i in range(1, 17)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda c: sl_client.get("BusinessPartners", c), codes))
    assert [o.remote_id for o in outcomes if isinstance(o, Success)] == codes
    assert sl_client.counters.logins == 2 and sl_client.counters.relogins == 1


def test_close_logs_out_and_the_session_is_gone(sl_conn: ServiceLayerConnection) -> None:
    client = ServiceLayerClient(sl_conn)
    assert isinstance(client.get("BusinessPartners", "C000001"), Success)
    cookie = client.transport.sessions.current().cookie_header
    assert "B1SESSION=" in cookie and "ROUTEID=" in cookie
    client.close()
    assert client.counters.requests["logout"] == 1
    verify = tls_verify(sl_conn.ca_cert, True)
    with httpx.Client(verify=verify) as raw:
        answer = raw.get(f"{sl_conn.service_root}/BusinessPartners('C000001')",
                         headers={"Cookie": cookie})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "301"


def test_session_cookie_works_on_v1_and_v2(sl_conn: ServiceLayerConnection) -> None:
    """The B1SESSION Set-Cookie has no Path: we send it explicitly to every /b1s/ path."""
    with ServiceLayerClient(sl_conn) as client:
        assert isinstance(client.get("BusinessPartners", "C000001"), Success)
        v1 = client.transport.http.get(
            sl_conn.service_root.replace("/v2", "/v1") + "/BusinessPartners('C000001')",
            headers={"Cookie": client.transport.sessions.current().cookie_header},
        )
    assert v1.status_code == 200
    body = v1.json()
    assert "odata.metadata" in body and body["CardCode"] == "C000001"


def test_wrong_password_is_a_configuration_error_without_secrets(sandbox_file: Path) -> None:
    conn = ServiceLayerConnection.from_sandbox_file(sandbox_file, password="not-the-password")
    assert "not-the-password" not in repr(conn)
    with ServiceLayerClient(conn) as client, pytest.raises(AuthenticationFailed) as err:
        client.get("BusinessPartners", "C000001")
    assert "-304" in str(err.value)
    assert "not-the-password" not in str(err.value)
