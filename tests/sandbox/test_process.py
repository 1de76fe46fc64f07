"""The ``b1hub sandbox`` command starts both servers over HTTPS and describes them."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from b1hub.sandbox.process import SandboxProcess


def test_sandbox_json_describes_both_systems(sandbox_info: dict[str, Any]) -> None:
    sl = sandbox_info["service_layer"]
    assert sl["url"].startswith("https://127.0.0.1:") and sl["url"].endswith("/b1s/v2")
    assert {"company_db", "username", "password", "ca_cert"} <= sl.keys()
    sf = sandbox_info["salesforce"]
    assert {"instance_url", "login_url", "client_id", "client_secret", "username",
            "password", "security_token", "ca_cert", "jwt_private_key"} <= sf.keys()


def test_tls_verifies_against_the_sandbox_ca_only(sandbox_info: dict[str, Any]) -> None:
    sf = sandbox_info["salesforce"]
    ctx = ssl.create_default_context(cafile=sf["ca_cert"])
    r = httpx.get(f"{sf['instance_url']}/services/data/", verify=ctx)
    assert r.status_code == 200
    default_ctx = ssl.create_default_context()
    try:
        httpx.get(f"{sf['instance_url']}/services/data/", verify=default_ctx)
    except httpx.ConnectError as exc:
        assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
    else:
        raise AssertionError("the sandbox certificate must not verify without its CA")


def test_ca_is_stable_across_restarts(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path) as proc:
        first = Path(proc.info["service_layer"]["ca_cert"]).read_bytes()
        proc.restart()
        assert Path(proc.info["service_layer"]["ca_cert"]).read_bytes() == first
