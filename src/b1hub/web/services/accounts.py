"""Users and API tokens (hub-wide), every change in the hub-wide audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from b1hub.hub import Hub
from b1hub.store.models import ApiToken, User
from b1hub.store.repositories import AuditRepository, TokenRepository, UserRepository
from b1hub.store.repositories.users import USERNAME_SCOPE, LoginThrottleRepository, username_key
from b1hub.store.types import Role
from b1hub.web.security.passwords import WeakPassword, generate_password, hash_password
from b1hub.web.services.errors import ActionRefused, InvalidInput, NotFound

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: Role
    disabled: bool
    locked: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool


def _view(repo: UserRepository, user: User) -> UserView:
    return UserView(user.id, user.username, user.role, user.disabled, repo.is_locked(user),
                    user.last_login_at)


def _audit(session: Session) -> AuditRepository:
    return AuditRepository(session, None)


def list_users(hub: Hub) -> list[UserView]:
    with hub.store.transaction() as session:
        repo = UserRepository(session)
        return [_view(repo, u) for u in repo.all()]


def create_user(
    hub: Hub, username: str, role: Role, password: str | None, by: str
) -> tuple[UserView, str | None]:
    """The new user, and the generated password when none was given (shown once)."""
    name = username.strip().lower()
    if not name or len(name) > 128 or not set(name) <= USERNAME_CHARS:
        raise InvalidInput("a username is 1-128 of: lowercase letters, digits, . _ - @")
    generated = None if password else generate_password()
    try:
        password_hash = hash_password(password or generated or "")
    except WeakPassword as exc:
        raise InvalidInput(str(exc)) from None
    with hub.store.transaction() as session:
        repo = UserRepository(session)
        if repo.get(name) is not None:
            raise ActionRefused(f"user {name!r} exists already")
        user = repo.create(name, role, password_hash)
        _audit(session).record(by, "user.create", name, {"role": role.value})
        return _view(repo, user), generated


def _user(repo: UserRepository, user_id: int) -> User:
    user = repo.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def update_user(
    hub: Hub, user_id: int, by_id: int, by: str, *, role: Role | None = None,
    disabled: bool | None = None, unlock: bool = False,
) -> UserView:
    with hub.store.transaction() as session:
        repo = UserRepository(session)
        user = _user(repo, user_id)
        if user.id == by_id and (disabled or (role is not None and role is not Role.ADMIN)):
            raise ActionRefused("you cannot demote or disable yourself; ask another admin")
        details: dict[str, object] = {}
        if role is not None and role is not user.role:
            repo.set_role(user, role)
            details["role"] = role.value
        if disabled is not None and disabled != user.disabled:
            user.disabled = disabled
            details["disabled"] = disabled
        if unlock:
            # The login throttle's wait on this username ends too: an unlocked user can log
            # in at once (their client address keeps its own count).
            LoginThrottleRepository(session).clear(USERNAME_SCOPE, username_key(user.username))
        if unlock and (user.locked_until is not None or user.failed_attempts):
            user.locked_until, user.failed_attempts = None, 0
            details["unlocked"] = True
        session.flush()
        if details:
            _audit(session).record(by, "user.update", user.username, details)
        return _view(repo, user)


def set_password(hub: Hub, user_id: int, password: str | None, by: str) -> str | None:
    """Set (or generate, returned once) a user's password; their open sessions end."""
    generated = None if password else generate_password()
    try:
        password_hash = hash_password(password or generated or "")
    except WeakPassword as exc:
        raise InvalidInput(str(exc)) from None
    with hub.store.transaction() as session:
        repo = UserRepository(session)
        user = _user(repo, user_id)
        repo.set_password_hash(user, password_hash)
        _audit(session).record(by, "user.password", user.username)
    return generated


def _token_view(token: ApiToken) -> TokenView:
    return TokenView(token.id, token.name, token.prefix, token.created_at, token.last_used_at,
                     token.expires_at, token.revoked_at is not None)


def list_tokens(hub: Hub, user_id: int) -> list[TokenView]:
    with hub.store.transaction() as session:
        user = _user(UserRepository(session), user_id)
        return [_token_view(t) for t in TokenRepository(session).for_user(user)]


def issue_token(hub: Hub, user_id: int, name: str, by: str) -> tuple[TokenView, str]:
    """The token's record and its plaintext, which exists only in this answer."""
    label = name.strip()
    if not label or len(label) > 128:
        raise InvalidInput("name the token (1-128 characters), e.g. 'nightly export'")
    with hub.store.transaction() as session:
        user = _user(UserRepository(session), user_id)
        issued = TokenRepository(session).issue(user, label)
        _audit(session).record(by, "token.issue", user.username, {"name": label})
        return _token_view(issued.record), issued.token


def revoke_token(hub: Hub, user_id: int, token_id: int, in_use_prefix: str | None,
                 by: str) -> None:
    with hub.store.transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound(f"you have no token {token_id}")
        if in_use_prefix is not None and token.prefix == in_use_prefix:
            raise ActionRefused("this request is authenticated with that token; revoke it "
                                "from the console or with another token")
        if not TokenRepository(session).revoke(token_id):
            raise ActionRefused(f"token {token_id} is already revoked")
        _audit(session).record(by, "token.revoke", str(token_id), {"name": token.name})
