"""Users and API tokens (hub-wide). Password hashing (argon2) belongs to the web layer; the
store keeps the hash and the lockout counters."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from b1hub.store.models import ApiToken, User
from b1hub.store.types import Role, utcnow

TOKEN_PREFIX = "b1h_"


def _hash_token(token: str) -> str:
    # Tokens are 256-bit random: a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken

    def __repr__(self) -> str:
        return f"IssuedToken(record={self.record!r})"


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, username: str, role: Role, password_hash: str | None = None) -> User:
        user = User(username=username, role=role, password_hash=password_hash)
        self.session.add(user)
        self.session.flush()
        return user

    def get(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def all(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.username)))

    def set_password_hash(self, user: User, password_hash: str) -> None:
        user.password_hash = password_hash
        user.failed_attempts = 0
        user.locked_until = None
        self.session.flush()

    def set_role(self, user: User, role: Role) -> None:
        user.role = role
        self.session.flush()

    def is_locked(self, user: User, now: datetime | None = None) -> bool:
        return user.locked_until is not None and user.locked_until > (now or utcnow())

    def record_failed_login(
        self, user: User, *, lock_after: int = 5, lock_for: timedelta = timedelta(minutes=15)
    ) -> None:
        """Count a failed attempt; reaching `lock_after` locks the account for `lock_for`."""
        user.failed_attempts += 1
        if user.failed_attempts >= lock_after:
            user.locked_until = utcnow() + lock_for
            user.failed_attempts = 0
        self.session.flush()

    def record_login(self, user: User) -> None:
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = utcnow()
        self.session.flush()


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def issue(self, user: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
        """The plaintext token exists only in the returned value; show it once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = ApiToken(
            user_id=user.id,
            name=name,
            prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=_hash_token(token),
            expires_at=expires_at,
        )
        self.session.add(record)
        self.session.flush()
        return IssuedToken(token=token, record=record)

    def authenticate(self, token: str, now: datetime | None = None) -> User | None:
        """The token's user if it is known, unrevoked, unexpired and the user is enabled."""
        moment = now or utcnow()
        record = self.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == _hash_token(token))
        )
        if record is None or record.revoked_at is not None:
            return None
        if record.expires_at is not None and record.expires_at <= moment:
            return None
        user = self.session.get(User, record.user_id)
        if user is None or user.disabled:
            return None
        record.last_used_at = moment
        self.session.flush()
        return user

    def revoke(self, token_id: int) -> bool:
        record = self.session.get(ApiToken, token_id)
        if record is None or record.revoked_at is not None:
            return False
        record.revoked_at = utcnow()
        self.session.flush()
        return True

    def for_user(self, user: User) -> list[ApiToken]:
        return list(
            self.session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
        )
