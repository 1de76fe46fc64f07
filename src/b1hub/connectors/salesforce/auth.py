"""OAuth 2.0 tokens: client credentials and JWT bearer for production, password for sandboxes.

No SOAP login: Salesforce is retiring it. Refreshes are serialised so that threads that
all see INVALID_SESSION_ID at once fetch one new token, not one each. Every flow's answer
carries ``id``, the identity URL ``.../id/<orgId>/<userId>``: the user the hub writes as,
which is how the engine recognises its own writes (``LastModifiedById``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx
import jwt

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.retry import TransientError
from b1hub.connectors.salesforce.errors import parse_errors
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.transport_errors import explain_transport_error

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class AuthenticationFailed(Exception):
    """The org refused the credentials: a configuration problem, not transient."""


@dataclass(frozen=True)
class Token:
    generation: int
    access_token: str
    instance_url: str
    user_id: str | None = None
    """The integration user, from the identity URL (None if the answer had no ``id``)."""

    def __repr__(self) -> str:
        return f"Token(generation={self.generation}, instance_url={self.instance_url!r})"


class TokenManager:
    def __init__(
        self, conn: SalesforceConnection, http: httpx.Client, counters: ClientCounters
    ) -> None:
        self._conn = conn
        self._http = http
        self._counters = counters
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._generation = 0

    def current(self) -> Token:
        token = self._token
        if token is not None:
            return token
        with self._lock:
            if self._token is None:
                self._token = self._fetch(refresh=False)
            return self._token

    def expired(self, seen: Token) -> None:
        with self._lock:
            if self._token is not None and self._token.generation != seen.generation:
                return
            self._token = None
            self._token = self._fetch(refresh=True)

    def _form(self) -> dict[str, str]:
        c = self._conn
        secret = c.client_secret.get_secret_value() if c.client_secret else ""
        if c.auth_flow == "client_credentials":
            return {"grant_type": "client_credentials", "client_id": c.client_id,
                    "client_secret": secret}
        if c.auth_flow == "password":
            password = (c.password.get_secret_value() if c.password else "") + (
                c.security_token.get_secret_value() if c.security_token else "")
            return {"grant_type": "password", "client_id": c.client_id,
                    "client_secret": secret, "username": c.username or "",
                    "password": password}
        if c.jwt_private_key is None:
            raise AuthenticationFailed("JWT bearer flow needs jwt_private_key")
        claims = {"iss": c.client_id, "sub": c.username, "aud": c.jwt_audience or c.login_url,
                  "exp": int(time.time()) + 180}
        assertion = jwt.encode(claims, c.jwt_private_key.read_bytes(), algorithm="RS256")
        return {"grant_type": JWT_GRANT, "assertion": assertion}

    def _fetch(self, *, refresh: bool) -> Token:
        url = f"{self._conn.login_url.rstrip('/')}/services/oauth2/token"
        try:
            response = self._http.post(url, data=self._form())
        except httpx.TransportError as exc:
            why = explain_transport_error(exc, url, self._conn.ca_cert)
            raise TransientError(f"Salesforce token request failed: {why}") from None
        self._counters.request("auth", billable=False, sent=0, received=len(response.content))
        if response.status_code >= 500:
            raise TransientError(f"token endpoint answered {response.status_code}")
        if response.status_code != 200:
            error = parse_errors(response.content)[0]
            raise AuthenticationFailed(
                f"Salesforce refused the {self._conn.auth_flow} login "
                f"({response.status_code} {error.code}): {error.message}"
            )
        self._counters.login(relogin=refresh)
        payload = response.json()
        self._generation += 1
        return Token(self._generation, payload["access_token"],
                     payload.get("instance_url") or self._conn.instance_url,
                     user_of_identity(payload.get("id")))


def user_of_identity(identity: object) -> str | None:
    """``005...`` from ``https://login.salesforce.com/id/00D.../005...``."""
    if not isinstance(identity, str):
        return None
    parts = identity.rstrip("/").split("/")
    if len(parts) < 3 or parts[-3] != "id" or not parts[-1]:
        return None
    return parts[-1]
