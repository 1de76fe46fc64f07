"""Settings of the two sandboxes and the ``sandbox.json`` file clients read.

``sandbox.json`` holds everything a client needs to reach the sandboxes: URLs,
credentials and the CA certificate to verify them with. It is written once both
servers accept connections, so its appearance doubles as a readiness signal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b1hub.sandbox.universe import Size

SANDBOX_FILE = "sandbox.json"


@dataclass(frozen=True)
class ServiceLayerSettings:
    """What the Service Layer sandbox app needs to start."""

    data_dir: Path
    base_url: str
    """Public origin, for example ``https://127.0.0.1:50000`` (no ``/b1s`` suffix)."""
    seed: int = 42
    size: Size = "small"
    company_db: str = "SBODEMOUS"
    username: str = "manager"
    password: str = "manager-sandbox-1"
    session_timeout_minutes: int = 30
    default_page_size: int = 20


@dataclass(frozen=True)
class SalesforceSettings:
    """What the Salesforce sandbox app needs to start."""

    data_dir: Path
    instance_url: str
    """Public origin, for example ``https://127.0.0.1:8443``."""
    seed: int = 42
    size: Size = "small"
    org_id: str = "00D000000000001AAA"
    client_id: str = "b1hub-sandbox-client"
    client_secret: str = "b1hub-sandbox-secret-1"
    username: str = "integration@b1hub.sandbox"
    password: str = "salesforce-sandbox-1"
    security_token: str = "SANDBOXTOKEN1"
    session_timeout_hours: float = 2.0
    daily_api_limit: int = 1_000_000
    api_version: str = "59.0"
    extra: dict[str, Any] = field(default_factory=dict)


def write_sandbox_file(
    data_dir: Path,
    service_layer: ServiceLayerSettings,
    salesforce: SalesforceSettings | None,
    ca_cert: Path,
    jwt_private_key: Path | None = None,
) -> Path:
    """Write ``sandbox.json`` atomically (readers never see half a file)."""
    info: dict[str, Any] = {
        "service_layer": {
            "url": f"{service_layer.base_url}/b1s/v2",
            "company_db": service_layer.company_db,
            "username": service_layer.username,
            "password": service_layer.password,
            "ca_cert": str(ca_cert.resolve()),
        }
    }
    if salesforce is not None:
        info["salesforce"] = {
            "instance_url": salesforce.instance_url,
            "login_url": salesforce.instance_url,
            "client_id": salesforce.client_id,
            "client_secret": salesforce.client_secret,
            "username": salesforce.username,
            "password": salesforce.password,
            "security_token": salesforce.security_token,
            "ca_cert": str(ca_cert.resolve()),
            "jwt_private_key": str(jwt_private_key.resolve()) if jwt_private_key else None,
            "api_version": salesforce.api_version,
        }
    target = data_dir / SANDBOX_FILE
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(target)
    return target
