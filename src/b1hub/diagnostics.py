"""Test both connections and say precisely why one fails.

The connectors report a network failure as a transient "connection failed"; a person
setting up the hub needs to know which of wrong credentials, nothing listening, an unknown
host or an untrusted certificate it is, so a failed login is followed by one probe whose
exception chain tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from b1hub.connectors.http import HttpSettings, tls_verify
from b1hub.connectors.outcomes import RateLimited, RecordError, Retryable
from b1hub.connectors.retry import RetryPolicy, TransientError
from b1hub.connectors.salesforce.auth import AuthenticationFailed as SalesforceAuthFailed
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.connectors.service_layer.session import AuthenticationFailed as SapAuthFailed
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.connectors.transport_errors import (
    explain_transport_error as explain_transport_error,  # re-exported: the setup checks' words
)

QUICK_RETRY = RetryPolicy(attempts=1, total_seconds=15.0)
QUICK_HTTP = HttpSettings(connect_timeout=5.0, read_timeout=20.0, write_timeout=20.0)


class RemoteFailure(RuntimeError):
    """A remote call a command needs did not succeed; the message says why."""


@dataclass(frozen=True)
class CheckResult:
    system: str
    ok: bool
    message: str


def quick_sap(conn: ServiceLayerConnection) -> ServiceLayerConnection:
    """The same connection, failing fast: a setup check should not retry for minutes."""
    return conn.model_copy(update={"retry": QUICK_RETRY, "http": QUICK_HTTP})


def quick_salesforce(conn: SalesforceConnection) -> SalesforceConnection:
    return conn.model_copy(update={"retry": QUICK_RETRY, "http": QUICK_HTTP})


def check_sap(conn: ServiceLayerConnection) -> CheckResult:
    """Log in to the Service Layer (and out again: a session holds a licence)."""
    conn = quick_sap(conn)
    client = ServiceLayerClient(conn)
    try:
        client.transport.sessions.current()
    except SapAuthFailed as exc:
        return CheckResult("sap", False, f"{exc} — check the user, password and company database")
    except TransientError as exc:
        why = probe(conn.service_root, conn.ca_cert, conn.verify_tls) or exc.reason
        return CheckResult("sap", False, f"Service Layer at {conn.service_root}: {why}")
    finally:
        client.close()
    return CheckResult(
        "sap", True, f"logged in to {conn.company_db} as {conn.username} at {conn.service_root}"
    )


def check_salesforce(conn: SalesforceConnection) -> CheckResult:
    """Get a token, then make one API call so the instance URL and API access are proven."""
    conn = quick_salesforce(conn)
    client = SalesforceClient(conn)
    try:
        client.transport.tokens.current()
        result = client.describe("Account")
    except SalesforceAuthFailed as exc:
        return CheckResult("salesforce", False, f"{exc} — check the client id/secret and user")
    except OSError as exc:
        return CheckResult("salesforce", False, f"cannot read the JWT private key: {exc}")
    except TransientError as exc:
        why = probe(conn.login_url, conn.ca_cert, conn.verify_tls) or exc.reason
        return CheckResult("salesforce", False, f"Salesforce login at {conn.login_url}: {why}")
    finally:
        client.close()
    if not isinstance(result, dict):
        why = failure_text(result)
        if isinstance(result, Retryable):
            why = probe(conn.instance_url, conn.ca_cert, conn.verify_tls) or why
        return CheckResult("salesforce", False, f"Salesforce API at {conn.instance_url}: {why}")
    return CheckResult(
        "salesforce", True, f"logged in ({conn.auth_flow}) to {conn.instance_url}"
    )


def probe(url: str, ca_cert: Path | None, verify_tls: bool) -> str | None:
    """Why ``url`` cannot be reached, or None when it answers (any HTTP status)."""
    try:
        with httpx.Client(verify=tls_verify(ca_cert, verify_tls),
                          timeout=QUICK_HTTP.timeout()) as http:
            http.get(url)
    except httpx.TransportError as exc:
        return explain_transport_error(exc, url, ca_cert)
    return None


def failure_text(outcome: Retryable | RateLimited | RecordError) -> str:
    if isinstance(outcome, RecordError):
        return f"{outcome.message} ({outcome.code})"
    if isinstance(outcome, RateLimited):
        return f"API limit reached: {outcome.reason} — try again later"
    return f"temporarily unavailable: {outcome.reason}"


def describe(client: SalesforceClient, sobject: str) -> dict[str, Any]:
    """An sObject's describe, or RemoteFailure saying why it could not be read."""
    result = client.describe(sobject)
    if isinstance(result, dict):
        return result
    raise RemoteFailure(f"could not describe Salesforce {sobject}: {failure_text(result)}")
