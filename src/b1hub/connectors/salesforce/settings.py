"""Connection settings of one Salesforce org."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from b1hub.connectors.http import HttpSettings
from b1hub.connectors.retry import RetryPolicy

AuthFlow = Literal["client_credentials", "jwt_bearer", "password"]


class SalesforceConnection(BaseModel):
    """Where and how to reach an org. ``password`` flow is for sandboxes and development."""

    model_config = ConfigDict(frozen=True)

    instance_url: str
    login_url: str
    auth_flow: AuthFlow = "client_credentials"
    client_id: str
    client_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    jwt_private_key: Path | None = None
    jwt_audience: str | None = None
    api_version: str = "59.0"
    ca_cert: Path | None = None
    verify_tls: bool = True
    http: HttpSettings = HttpSettings()
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    budget_reserve: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Share of the daily API allocation left for the org's other users."""
    bulk_threshold: int = Field(default=2000, ge=1)
    """Writes of more records than this go through Bulk API 2.0."""
    bulk_poll_initial: float = Field(default=0.5, gt=0)
    bulk_poll_max: float = Field(default=10.0, gt=0)
    bulk_timeout: float = Field(default=1800.0, gt=0)
    bulk_max_job_bytes: int = Field(default=100_000_000, ge=1)
    call_options_client: str = "b1hub"

    @property
    def data_path(self) -> str:
        return f"/services/data/v{self.api_version}"

    @classmethod
    def from_sandbox_file(cls, path: Path, **overrides: Any) -> SalesforceConnection:
        """Settings for the sandbox described by ``sandbox.json`` (password flow by default)."""
        info = json.loads(Path(path).read_text())["salesforce"]
        values: dict[str, Any] = {
            "instance_url": info["instance_url"],
            "login_url": info["login_url"],
            "auth_flow": "password",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "username": info["username"],
            "password": info["password"],
            "security_token": info["security_token"],
            "jwt_private_key": info.get("jwt_private_key"),
            "api_version": info.get("api_version", "59.0"),
            "ca_cert": info["ca_cert"],
        }
        values.update(overrides)
        return cls(**values)
