"""Authentication (session cookie or API token) and role checks, as FastAPI dependencies.

Every route of the console and the API declares one of :data:`Viewer`, :data:`Operator` or
:data:`Admin`; the route-walk test holds us to it. The user is re-read from the store on every
request, so disabling a user or changing a role takes effect at once, and a session dies
with the password it was opened with.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from b1hub.store.models import User
from b1hub.store.repositories import TokenRepository
from b1hub.store.types import Role
from b1hub.web.security.csrf import check_csrf
from b1hub.web.state import console_state

RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid session or token: 401 for the API, a redirect to the login page otherwise."""


class Forbidden(Exception):
    """Authenticated, but the role (or a missing CSRF token) does not allow this."""


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    via: Literal["session", "token"]
    token_prefix: str | None = None

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]


def password_fingerprint(password_hash: str | None) -> str:
    """Stored in the session: changing the password invalidates every open session."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _resolve(request: Request) -> Principal | None:
    hub = console_state(request).hub
    token = _bearer(request)
    with hub.store.transaction() as session:
        if token is not None:
            user = TokenRepository(session).authenticate(token)
            if user is None:
                return None
            return Principal(user.id, user.username, user.role, "token", token[:10])
        uid = request.session.get("uid")
        if not isinstance(uid, int):
            return None
        found = session.get(User, uid)
        if found is None or found.disabled:
            return None
        expected = password_fingerprint(found.password_hash)
        if not hmac.compare_digest(str(request.session.get("fp", "")), expected):
            return None
        return Principal(found.id, found.username, found.role, "session")


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await run_in_threadpool(_resolve, request)
        if principal is None:
            raise NotAuthenticated()
        if not principal.can(role):
            raise Forbidden(f"this needs the {role.value} role; you are {principal.role.value}")
        if request.method not in SAFE_METHODS:
            if principal.role is Role.VIEWER:
                raise Forbidden("viewers cannot change anything")
            if principal.via == "session":
                await check_csrf(request)
        request.state.principal = principal
        return principal

    dependency.__name__ = f"require_{role.value}"
    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
