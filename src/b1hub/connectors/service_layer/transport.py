"""One Service Layer request with session handling, error classification and retries."""

from __future__ import annotations

import httpx

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.http import build_client, request_size
from b1hub.connectors.retry import TransientError, call_with_retry
from b1hub.connectors.service_layer.errors import response_error
from b1hub.connectors.service_layer.session import SessionManager
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.connectors.transport_errors import explain_transport_error

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Transport:
    """Sends requests relative to the service root; 4xx responses come back to the caller.

    Raises :class:`TransientError` once retries are spent. A non-idempotent request whose
    fate is unknown (timeout or 5xx after it was sent) is not retried: the error carries
    ``maybe_applied=True`` and the caller resolves it (for example by a lookup by key).
    """

    def __init__(self, conn: ServiceLayerConnection, counters: ClientCounters) -> None:
        self.conn = conn
        self.counters = counters
        self.http = build_client(conn.service_root + "/", conn.http, conn.ca_cert,
                                 conn.verify_tls)
        self.sessions = SessionManager(conn, self.http, counters)

    def url(self, path: str) -> str:
        """Absolute URL for an entity path or a next link (relative or ``/b1s/..``)."""
        return str(httpx.URL(self.conn.service_root + "/").join(path))

    def send(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        idempotent: bool,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        def once() -> httpx.Response:
            return self._once(method, path, kind, idempotent, params, content, headers)

        return call_with_retry(once, self.conn.retry, self.counters)

    def _once(
        self,
        method: str,
        path: str,
        kind: str,
        idempotent: bool,
        params: dict[str, str] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        session = self.sessions.current()
        all_headers = {"Cookie": session.cookie_header, **(headers or {})}
        if content is not None and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = "application/json"
        request = self.http.build_request(
            method, self.url(path), params=params, content=content, headers=all_headers
        )
        try:
            response = self.http.send(request)
        except _NOT_SENT as exc:
            raise TransientError("connection failed: " + explain_transport_error(
                exc, str(request.url), self.conn.ca_cert)) from None
        except httpx.TransportError as exc:
            self.counters.request(kind, billable=True, sent=request_size(request), received=0)
            raise TransientError(
                f"no answer: {type(exc).__name__}", maybe_applied=not idempotent
            ) from None
        self.counters.request(kind, billable=True, sent=request_size(request),
                              received=len(response.content))
        if response.status_code == 401:
            error = response_error(response)
            if error.session_expired:
                self.sessions.expired(session)
                raise TransientError("session expired", error.code)
        if response.status_code >= 500 or response.status_code == 429:
            error = response_error(response)
            raise TransientError(
                f"HTTP {response.status_code}: {error.message}",
                error.code,
                retry_after=_retry_after(response),
                maybe_applied=not idempotent and response.status_code != 429,
            )
        if response.status_code >= 400 and response_error(response).transient:
            error = response_error(response)
            raise TransientError(f"lock conflict: {error.message}", error.code)
        return response

    def close(self) -> None:
        self.sessions.logout()
        self.http.close()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
