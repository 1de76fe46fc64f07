"""Why a request never got an HTTP answer, in words a person can act on.

httpx reports an unreachable host, a DNS failure and an untrusted certificate alike as
``ConnectError``; the cause is further down the exception chain. The connectors word
their login failures with it (a run paused by them says what to fix), and the setup
checks in :mod:`b1hub.diagnostics` word their probes with it.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx


def explain_transport_error(exc: BaseException, url: str, ca_cert: Path | None) -> str:
    host = httpx.URL(url).host
    port = httpx.URL(url).port
    where = f"{host}:{port}" if port else host
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            trusted = f"the CA in {ca_cert}" if ca_cert else "the system's CAs"
            return (f"TLS certificate not trusted ({cause.verify_message}): the server's "
                    f"certificate is not signed by {trusted} — pass --ca-cert with the CA "
                    f"that signed it")
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or cause}) — is it an HTTPS port?"
        if isinstance(cause, socket.gaierror):
            return f"host {host!r} not found (DNS) — check the URL"
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused at {where}: nothing listens there — check host and port"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {where} in time — host unreachable or blocked by a firewall"
    return f"cannot reach {where}: {exc or type(exc).__name__}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
