"""Helpers shared by the Salesforce sandbox tests (imported by module name)."""

from __future__ import annotations

import ssl
import uuid
from typing import Any

import httpx

V = "/services/data/v59.0"


def tls(info: dict[str, Any]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=info["ca_cert"])


def token(info: dict[str, Any]) -> str:
    with httpx.Client(base_url=info["instance_url"], verify=tls(info)) as client:
        response = client.post("/services/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": info["client_id"],
            "client_secret": info["client_secret"]})
        response.raise_for_status()
        return str(response.json()["access_token"])


def key(prefix: str = "T") -> str:
    """A fresh value for unique fields, so tests sharing the sandbox never collide."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def create(api: httpx.Client, sobject: str, **values: Any) -> str:
    response = api.post(f"{V}/sobjects/{sobject}/", json=values)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["errorCode"], e["message"]) for e in response.json()]
