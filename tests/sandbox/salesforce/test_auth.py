"""OAuth flows, SOAP login, invalid and expiring sessions."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from sf_helpers import V, token

TOKEN = "/services/oauth2/token"


def test_client_credentials_in_body_and_basic_auth(
    anon: httpx.Client, sf_info: dict[str, Any]
) -> None:
    body = anon.post(TOKEN, data={"grant_type": "client_credentials",
                                  "client_id": sf_info["client_id"],
                                  "client_secret": sf_info["client_secret"]})
    assert body.status_code == 200
    assert body.json()["instance_url"] == sf_info["instance_url"]
    assert body.json()["token_type"] == "Bearer"
    basic = base64.b64encode(f"{sf_info['client_id']}:{sf_info['client_secret']}".encode())
    header = anon.post(TOKEN, data={"grant_type": "client_credentials"},
                       headers={"Authorization": f"Basic {basic.decode()}"})
    assert header.status_code == 200
    wrong = anon.post(TOKEN, data={"grant_type": "client_credentials",
                                   "client_id": sf_info["client_id"], "client_secret": "x"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"


def test_password_flow(anon: httpx.Client, sf_info: dict[str, Any]) -> None:
    common = {"grant_type": "password", "client_id": sf_info["client_id"],
              "client_secret": sf_info["client_secret"], "username": sf_info["username"]}
    good = anon.post(TOKEN, data=common | {
        "password": sf_info["password"] + sf_info["security_token"]})
    assert good.status_code == 200
    versions = anon.get(f"{V}/", headers={"Authorization": f"Bearer {good.json()['access_token']}"})
    assert versions.status_code == 200
    bad = anon.post(TOKEN, data=common | {"password": sf_info["password"]})
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def _assertion(sf_info: dict[str, Any], **claims: Any) -> str:
    key = Path(sf_info["jwt_private_key"]).read_bytes()
    payload = {"iss": sf_info["client_id"], "sub": sf_info["username"],
               "aud": "https://login.salesforce.com", "exp": int(time.time()) + 180} | claims
    return jwt.encode(payload, key, algorithm="RS256")


def test_jwt_bearer(anon: httpx.Client, sf_info: dict[str, Any]) -> None:
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ok = anon.post(TOKEN, data={"grant_type": grant, "assertion": _assertion(sf_info)})
    assert ok.status_code == 200 and ok.json()["access_token"]
    expired = anon.post(TOKEN, data={"grant_type": grant,
                                     "assertion": _assertion(sf_info, exp=int(time.time()) - 60)})
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
    wrong_iss = anon.post(TOKEN, data={"grant_type": grant,
                                       "assertion": _assertion(sf_info, iss="someone")})
    assert wrong_iss.status_code == 400
    unknown = anon.post(TOKEN, data={"grant_type": grant,
                                     "assertion": _assertion(sf_info, sub="nobody@x")})
    assert unknown.json()["error"] == "invalid_grant"


def test_soap_login_answers_as_the_reference(anon: httpx.Client, sf_info: dict[str, Any]) -> None:
    envelope = (
        '<?xml version="1.0" encoding="utf-8" ?><env:Envelope '
        'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com">'
        f"<n1:username>{sf_info['username']}</n1:username><n1:password>{{pw}}</n1:password>"
        "</n1:login></env:Body></env:Envelope>"
    )
    headers = {"content-type": "text/xml", "SOAPAction": "login"}
    ok = anon.post("/services/Soap/u/59.0", headers=headers,
                   content=envelope.replace("{pw}", sf_info["password"]
                                            + sf_info["security_token"]))
    assert ok.status_code == 200
    assert f"<serverUrl>{sf_info['instance_url']}/services/Soap/u/59.0/" in ok.text
    assert "<sessionId>" in ok.text
    bad = anon.post("/services/Soap/u/59.0", headers=headers,
                    content=envelope.replace("{pw}", "nope"))
    assert bad.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in bad.text


def test_missing_or_unknown_token_is_401_array(anon: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = anon.get(f"{V}/limits/", headers=headers)
        assert response.status_code == 401
        assert response.json() == [{"message": "Session expired or invalid",
                                     "errorCode": "INVALID_SESSION_ID"}]


def test_sessions_expire_when_idle_and_on_demand(
    anon: httpx.Client, sf_info: dict[str, Any]
) -> None:
    bearer = {"Authorization": f"Bearer {token(sf_info)}"}
    assert anon.get(f"{V}/limits/", headers=bearer).status_code == 200
    try:
        anon.post("/_sandbox/config", json={"session_timeout_hours": 0.5 / 3600})
        time.sleep(0.7)
        assert anon.get(f"{V}/limits/", headers=bearer).status_code == 401
    finally:
        anon.post("/_sandbox/config", json={"session_timeout_hours": 2})
    bearer = {"Authorization": f"Bearer {token(sf_info)}"}
    assert anon.post("/_sandbox/sessions/expire",
                     json={"token": bearer["Authorization"][7:]}).json() == {"expired": 1}
    assert anon.get(f"{V}/limits/", headers=bearer).status_code == 401
