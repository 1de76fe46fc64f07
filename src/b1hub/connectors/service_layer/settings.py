"""Connection settings of one Service Layer (one company database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from b1hub.connectors.http import HttpSettings
from b1hub.connectors.retry import RetryPolicy


class ServiceLayerConnection(BaseModel):
    """Where and how to reach a Service Layer. ``url`` is the service root (``.../b1s/v2``)."""

    model_config = ConfigDict(frozen=True)

    url: str
    company_db: str
    username: str
    password: SecretStr
    ca_cert: Path | None = None
    verify_tls: bool = True
    http: HttpSettings = HttpSettings()
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    page_size: int = Field(default=1000, ge=1)
    """Rows per page asked with ``Prefer: odata.maxpagesize`` (the server's default is 20):
    large pages keep a full read to a few requests."""
    language: int | None = None
    settle_seconds: float = Field(default=2.0, ge=0)
    """Wait before looking up creates whose answer was lost: they may still be running."""

    @property
    def service_root(self) -> str:
        return self.url.rstrip("/")

    @property
    def version(self) -> Literal["v1", "v2"]:
        return "v1" if self.service_root.endswith("/v1") else "v2"

    @classmethod
    def from_sandbox_file(cls, path: Path, **overrides: Any) -> ServiceLayerConnection:
        """Settings for the sandbox described by ``sandbox.json`` (overrides win)."""
        info = json.loads(Path(path).read_text())["service_layer"]
        values: dict[str, Any] = {
            "url": info["url"],
            "company_db": info["company_db"],
            "username": info["username"],
            "password": info["password"],
            "ca_cert": info["ca_cert"],
        }
        values.update(overrides)
        return cls(**values)
