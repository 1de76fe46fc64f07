"""Service Layer sessions: login, serialised re-login, logout.

Each session holds a licence, so a client keeps one, logs in again only when the server
says it expired (401 code 301), serialises logins (parallel logins fail on real SL with
500/299) and logs out on close. Cookies are kept here and sent explicitly: the
``B1SESSION`` Set-Cookie has no Path and some cookie jars would scope it to ``/b1s/v2``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
import orjson

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.retry import TransientError
from b1hub.connectors.service_layer.errors import response_error
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.connectors.transport_errors import explain_transport_error


class AuthenticationFailed(Exception):
    """The Service Layer refused the credentials: a configuration problem, not transient."""


@dataclass(frozen=True)
class Session:
    generation: int
    cookie_header: str
    timeout_minutes: int | None

    def __repr__(self) -> str:
        return f"Session(generation={self.generation}, timeout_minutes={self.timeout_minutes})"


class SessionManager:
    def __init__(
        self, conn: ServiceLayerConnection, http: httpx.Client, counters: ClientCounters
    ) -> None:
        self._conn = conn
        self._http = http
        self._counters = counters
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._generation = 0

    def current(self) -> Session:
        session = self._session
        if session is not None:
            return session
        with self._lock:
            if self._session is None:
                self._session = self._login(relogin=False)
            return self._session

    def expired(self, seen: Session) -> None:
        """Called after a 401/301: log in again unless another thread already did."""
        with self._lock:
            if self._session is not None and self._session.generation != seen.generation:
                return
            self._session = None
            self._session = self._login(relogin=True)

    def _login(self, *, relogin: bool) -> Session:
        body: dict[str, object] = {
            "CompanyDB": self._conn.company_db,
            "UserName": self._conn.username,
            "Password": self._conn.password.get_secret_value(),
        }
        if self._conn.language is not None:
            body["Language"] = self._conn.language
        url = f"{self._conn.service_root}/Login"
        try:
            response = self._http.post(url, content=orjson.dumps(body),
                                       headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            why = explain_transport_error(exc, url, self._conn.ca_cert)
            raise TransientError(f"Service Layer login failed: {why}") from None
        self._counters.request("login", billable=False, sent=0, received=len(response.content))
        if response.status_code != 200:
            error = response_error(response)
            if response.status_code >= 500:
                raise TransientError(f"login failed: {error.message}", error.code)
            raise AuthenticationFailed(
                f"Service Layer login refused ({response.status_code} {error.code}): "
                f"{error.message}"
            )
        self._counters.login(relogin=relogin)
        payload = response.json()
        cookies = {"B1SESSION": str(payload.get("SessionId") or "")}
        for name, value in response.cookies.items():
            if name in ("B1SESSION", "ROUTEID"):
                cookies[name] = value
        self._http.cookies.clear()
        self._generation += 1
        return Session(
            generation=self._generation,
            cookie_header="; ".join(f"{k}={v}" for k, v in cookies.items()),
            timeout_minutes=payload.get("SessionTimeout"),
        )

    def logout(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is None:
            return
        try:
            self._http.post(f"{self._conn.service_root}/Logout",
                            headers={"Cookie": session.cookie_header})
            self._counters.request("logout", billable=False, sent=0, received=0)
        except httpx.TransportError:
            pass
