"""Login, logout, idle timeout and the 401/301 answers, in both versions' shapes."""

from __future__ import annotations

import time
from typing import Any

import httpx

from .conftest import login, sl_client


def test_login_v2_sets_sap_cookies_and_returns_session(sandbox_info: dict[str, Any]) -> None:
    with sl_client(sandbox_info, "v2") as c:
        r = login(c, sandbox_info)
    body = r.json()
    cookies = r.headers.get_list("set-cookie")
    assert cookies == [f"B1SESSION={body['SessionId']};HttpOnly;", "ROUTEID=.node1; path=/b1s"]
    assert body["@odata.context"].endswith("/b1s/v2/$metadata#B1Sessions/$entity")
    assert body["SessionTimeout"] == 30 and body["Version"].isdigit()


def test_login_v1_uses_odata_metadata(sandbox_info: dict[str, Any]) -> None:
    with sl_client(sandbox_info, "v1") as c:
        body = login(c, sandbox_info).json()
    assert body["odata.metadata"].endswith("/b1s/v1/$metadata#B1Sessions/@Element")
    assert "@odata.context" not in body


def test_wrong_password_and_unknown_company(sandbox_info: dict[str, Any]) -> None:
    sl = sandbox_info["service_layer"]
    with sl_client(sandbox_info, "v2") as c:
        bad_pw = c.post("Login", json={"CompanyDB": sl["company_db"],
                                       "UserName": sl["username"], "Password": "nope"})
        bad_db = c.post("Login", json={"CompanyDB": "NOPE", "UserName": sl["username"],
                                       "Password": sl["password"]})
    assert bad_pw.status_code == 401 and bad_pw.json()["error"]["code"] == "-304"
    assert bad_db.status_code == 401 and bad_db.json()["error"]["code"] == "-306"
    assert bad_db.json()["error"]["message"] == "Fail to NONE-SSO login from SLD."


def test_missing_or_bad_cookie_is_401_code_301_per_version(
        sandbox_info: dict[str, Any]) -> None:
    with sl_client(sandbox_info, "v1") as c1, sl_client(sandbox_info, "v2") as c2:
        r1 = c1.get("Items")
        c2.cookies.set("B1SESSION", "garbage")
        r2 = c2.get("Items")
    assert r1.status_code == 401
    assert r1.json() == {"error": {"code": 301, "message": {
        "lang": "en-us", "value": "Invalid session or session already timeout."}}}
    assert r2.status_code == 401
    assert r2.json()["error"]["code"] == "301"
    assert r2.json()["error"]["message"] == "Invalid session or session already timeout."
    assert r2.json()["error"]["details"] == [{"code": "", "message": ""}]


def test_one_session_serves_v1_and_v2(v2: httpx.Client, sandbox_info: dict[str, Any]) -> None:
    with sl_client(sandbox_info, "v1") as c1:
        c1.cookies.set("B1SESSION", v2.cookies["B1SESSION"])
        assert c1.get("SalesStages").status_code == 200


def test_logout_ends_the_session(v2: httpx.Client) -> None:
    r = v2.post("Logout")
    assert r.status_code == 204 and r.content == b""
    assert v2.get("SalesStages").status_code == 401


def test_forced_expiry_then_relogin(v2: httpx.Client, control: httpx.Client,
                                    sandbox_info: dict[str, Any]) -> None:
    assert control.post("/_sandbox/sessions/expire").json()["expired"] >= 1
    assert v2.get("SalesStages").json()["error"]["code"] == "301"
    login(v2, sandbox_info)
    assert v2.get("SalesStages").status_code == 200


def test_idle_timeout_counts_from_last_use(v2: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/config", json={"session_timeout_minutes": 0.02})  # 1.2 s
    for _ in range(3):
        time.sleep(0.6)
        assert v2.get("SalesStages").status_code == 200
    time.sleep(1.5)
    assert v2.get("SalesStages").status_code == 401


def test_expire_sessions_every_n_requests(v2: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/config", json={"expire_sessions_every": 3})
    statuses = [v2.get("SalesStages").status_code for _ in range(3)]
    assert statuses == [200, 200, 401]
