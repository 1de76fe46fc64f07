"""One Salesforce REST request: token, API budget, error classification and retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.http import build_client, request_size
from b1hub.connectors.outcomes import RateLimited
from b1hub.connectors.retry import TransientError, call_with_retry
from b1hub.connectors.salesforce.auth import TokenManager
from b1hub.connectors.salesforce.budget import ApiBudget
from b1hub.connectors.salesforce.errors import INVALID_SESSION, LIMIT_EXCEEDED, parse_errors
from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.transport_errors import explain_transport_error

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class BudgetStop(Exception):
    """Raised before a call that would pass the budget, or on REQUEST_LIMIT_EXCEEDED."""

    def __init__(self, outcome: RateLimited) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


class Transport:
    """Paths are relative to the instance (``/services/data/vXX.X/...``).

    4xx answers other than expired sessions and the daily limit come back to the caller.
    """

    def __init__(self, conn: SalesforceConnection, counters: ClientCounters) -> None:
        self.conn = conn
        self.counters = counters
        self.budget = ApiBudget(conn.budget_reserve)
        self.http = build_client(conn.instance_url, conn.http, conn.ca_cert, conn.verify_tls)
        self.tokens = TokenManager(conn, self.http, counters)

    def send(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        idempotent: bool,
        params: dict[str, str] | None = None,
        json: Any = None,
        content: Callable[[], Iterator[bytes]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``content`` is a factory so a streamed body can be produced again on a retry."""

        def once() -> httpx.Response:
            return self._once(method, path, kind, idempotent, params, json, content, headers)

        return call_with_retry(once, self.conn.retry, self.counters)

    def _once(
        self,
        method: str,
        path: str,
        kind: str,
        idempotent: bool,
        params: dict[str, str] | None,
        json: Any,
        content: Callable[[], Iterator[bytes]] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        stop = self.budget.check()
        if stop is not None:
            raise BudgetStop(stop)
        token = self.tokens.current()
        all_headers = {"Authorization": f"Bearer {token.access_token}", **(headers or {})}
        if method != "GET":
            all_headers["Sforce-Call-Options"] = f"client={self.conn.call_options_client}"
        url = token.instance_url.rstrip("/") + path
        request = self.http.build_request(
            method, url, params=params, json=json,
            content=content() if content is not None else None, headers=all_headers,
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
        self.budget.observe(response.headers.get("Sforce-Limit-Info"))
        self.counters.request(kind, billable=True, sent=request_size(request),
                              received=len(response.content))
        status = response.status_code
        if status == 401:
            errors = parse_errors(response.content)
            if errors[0].code == INVALID_SESSION:
                self.tokens.expired(token)
                raise TransientError("session expired", INVALID_SESSION)
        if status == 403:
            errors = parse_errors(response.content)
            if errors[0].code == LIMIT_EXCEEDED:
                raise BudgetStop(self.budget.exhausted(errors[0].message))
        if status >= 500:
            error = parse_errors(response.content)[0]
            raise TransientError(f"HTTP {status}: {error.message}", error.code,
                                 maybe_applied=not idempotent)
        return response

    def close(self) -> None:
        self.http.close()
