"""The one place that builds httpx clients: timeouts, keep-alive and TLS verification."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field


class HttpSettings(BaseModel):
    """Transport settings shared by both connectors (seconds)."""

    model_config = ConfigDict(frozen=True)

    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    write_timeout: float = Field(default=60.0, gt=0)
    pool_timeout: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=10, ge=1)

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )


def tls_verify(ca_cert: Path | None, verify_tls: bool) -> ssl.SSLContext | bool:
    """Verification is always on unless a connection explicitly sets ``verify_tls=False``."""
    if not verify_tls:
        return False
    return ssl.create_default_context(cafile=str(ca_cert) if ca_cert else None)


def build_client(
    base_url: str,
    http: HttpSettings,
    ca_cert: Path | None,
    verify_tls: bool,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=http.timeout(),
        verify=tls_verify(ca_cert, verify_tls),
        limits=httpx.Limits(
            max_connections=http.max_connections,
            max_keepalive_connections=http.max_connections,
            keepalive_expiry=30.0,
        ),
        headers=headers,
        follow_redirects=False,
    )


def request_size(request: httpx.Request) -> int:
    """Bytes of a request body; a streamed body counts by its declared Content-Length."""
    try:
        return len(request.content)
    except httpx.RequestNotRead:
        return int(request.headers.get("Content-Length", "0"))
