"""Users, API tokens and the login throttle (hub-wide). Password hashing (argon2) belongs to
the web layer; the store keeps the hash, the lockout counters and the throttle's counts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, tuple_, update
from sqlalchemy.orm import Session

from b1hub.store.models import ApiToken, LoginThrottle, User
from b1hub.store.repositories._base import insert_for
from b1hub.store.types import Role, utcnow

TOKEN_PREFIX = "b1h_"
CLIENT_SCOPE = "client"
USERNAME_SCOPE = "username"
# 2**30 times the first delay is far past any sensible cap: stops the doubling overflowing.
_MAX_DOUBLINGS = 30


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


def username_key(username: str) -> str:
    """The throttle's key for a username as typed (normalised like a login, then hashed)."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


@dataclass(frozen=True)
class ThrottleKey:
    """One counter: a client address or a username, and the attempts it gets without delay."""

    scope: str
    key: str
    free_attempts: int


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta
    first_delay: timedelta
    max_delay: timedelta

    def delay(self, attempts: int, free_attempts: int) -> timedelta | None:
        """The wait imposed after the `attempts`-th attempt: doubling past the free ones."""
        over = attempts - free_attempts
        if over <= 0:
            return None
        doublings: int = 2 ** min(over - 1, _MAX_DOUBLINGS)
        return min(self.first_delay * doublings, self.max_delay)


@dataclass(frozen=True)
class Admission:
    """Refused while `wait` is set; else admitted, with the blocks this attempt started."""

    wait: timedelta | None = None
    blocks: dict[str, timedelta] = field(default_factory=dict)


class LoginThrottleRepository:
    """Counts login attempts per key *before* the password is checked, so parallel guesses
    cannot all slip in ahead of the first recorded failure; a success gives its count back.

    Each call is meant to be its own short transaction: the row locks it takes (and on
    SQLite the write lock) must not be held across an argon2 verification.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def admit(self, keys: Sequence[ThrottleKey], policy: ThrottlePolicy,
              now: datetime | None = None) -> Admission:
        moment = now or utcnow()
        ordered = sorted(keys, key=lambda k: (k.scope, k.key))  # one lock order: no deadlock
        for k in ordered:
            # A write first: it takes SQLite's write lock and PostgreSQL's row lock, so the
            # read below and the update after it are one atomic step across processes.
            stmt = insert_for(self.session, LoginThrottle).values(
                scope=k.scope, key=k.key, attempts=0, last_attempt_at=moment)
            self.session.execute(stmt.on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={"attempts": LoginThrottle.attempts}))
        rows = {(r.scope, r.key): r for r in self.session.scalars(
            select(LoginThrottle)
            .where(tuple_(LoginThrottle.scope, LoginThrottle.key)
                   .in_([(k.scope, k.key) for k in ordered]))
            .execution_options(populate_existing=True))}
        for row in rows.values():
            if row.last_attempt_at <= moment - policy.window and not self._blocked(row, moment):
                row.attempts, row.blocked_until = 0, None
        waits = [row.blocked_until - moment for row in rows.values()
                 if row.blocked_until is not None and self._blocked(row, moment)]
        if waits:
            self.session.flush()
            return Admission(wait=max(waits))
        blocks: dict[str, timedelta] = {}
        for k in ordered:
            row = rows[(k.scope, k.key)]
            row.attempts += 1
            row.last_attempt_at = moment
            delay = policy.delay(row.attempts, k.free_attempts)
            row.blocked_until = None if delay is None else moment + delay
            if delay is not None:
                blocks[k.scope] = delay
        self.session.flush()
        self._prune(moment, policy.window)
        return Admission(blocks=blocks)

    def succeeded(self, client: ThrottleKey, username: ThrottleKey) -> None:
        """A correct password: the username starts afresh; the client only gets back the
        attempt it was charged (clearing it would let anyone holding one account interleave
        their own logins between guesses and never be slowed)."""
        self.clear(username.scope, username.key)
        where = and_(LoginThrottle.scope == client.scope, LoginThrottle.key == client.key)
        self.session.execute(update(LoginThrottle).where(where).values(
            attempts=case((LoginThrottle.attempts > 0, LoginThrottle.attempts - 1), else_=0)))
        self.session.execute(update(LoginThrottle).where(
            where, LoginThrottle.attempts <= client.free_attempts).values(blocked_until=None))

    def clear(self, scope: str, key: str) -> None:
        self.session.execute(delete(LoginThrottle).where(
            LoginThrottle.scope == scope, LoginThrottle.key == key))

    @staticmethod
    def _blocked(row: LoginThrottle, moment: datetime) -> bool:
        return row.blocked_until is not None and row.blocked_until > moment

    def _prune(self, moment: datetime, window: timedelta) -> None:
        """Forget keys quiet for a whole window: a spray of usernames leaves no lasting rows."""
        self.session.execute(delete(LoginThrottle).where(
            LoginThrottle.last_attempt_at < moment - window,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < moment)))
