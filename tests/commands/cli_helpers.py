"""Helpers for CLI tests: invoke the real Typer app in-process; check SAP independently."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
from click.testing import Result
from typer.testing import CliRunner

from b1hub.cli import app


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input, env=env)


def ok(*args: str, **kwargs: Any) -> Result:
    result = run(*args, **kwargs)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def ok_json(*args: str, **kwargs: Any) -> Any:
    return json.loads(ok(*args, "--json", **kwargs).stdout)


def secrets_of(info: dict[str, Any]) -> list[str]:
    sl, sf = info["service_layer"], info["salesforce"]
    return [sl["password"], sf["password"], sf["client_secret"], sf["security_token"]]


def assert_no_secrets(result: Result, info: dict[str, Any]) -> None:
    for secret in secrets_of(info):
        assert secret not in result.output, f"secret leaked: {secret!r}"


class ServiceLayer:
    """A logged-in httpx client for checking SAP state independently of the hub."""

    def __init__(self, info: dict[str, Any]) -> None:
        sl = info["service_layer"]
        self.http = httpx.Client(base_url=sl["url"] + "/", timeout=30,
                                 verify=ssl.create_default_context(cafile=sl["ca_cert"]))
        r = self.http.post("Login", json={"CompanyDB": sl["company_db"],
                                          "UserName": sl["username"],
                                          "Password": sl["password"]})
        assert r.status_code == 200, r.text
        self.http.cookies.set("B1SESSION", r.json()["SessionId"])

    def all(self, entity: str, **params: str) -> list[dict[str, Any]]:
        r = self.http.get(entity, params=params, headers={"Prefer": "odata.maxpagesize=10000"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert "@odata.nextLink" not in body
        rows: list[dict[str, Any]] = body["value"]
        return rows

    def close(self) -> None:
        self.http.close()
