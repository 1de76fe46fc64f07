"""Console settings: read from the environment once per app, with safe defaults.

The session-signing key is kept like the secrets key: B1HUB_SESSION_KEY, else
B1HUB_HOME/session.key created owner-only on first use, so every ``b1hub serve`` process
of one hub accepts the same sessions and a restart logs nobody out.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from b1hub.store.paths import b1hub_home

SESSION_KEY_ENV = "B1HUB_SESSION_KEY"
SESSION_KEY_FILE = "session.key"


def _write_new_key(path: Path) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_urlsafe(48).encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # another process won the race; its key is the one every process reads
    finally:
        temp.unlink()


def session_secret() -> str:
    from_env = os.environ.get(SESSION_KEY_ENV, "").strip()
    if from_env:
        return from_env
    path = b1hub_home() / SESSION_KEY_FILE
    if not path.exists():
        _write_new_key(path)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in ("1", "true", "yes", "on")


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} is {raw!r}: give a whole number of at least 1, or unset "
                         f"it for the default ({default})")
    return int(raw)


@dataclass(frozen=True)
class WebSettings:
    integration: str = "default"
    session_secret: str = ""
    session_max_age: timedelta = timedelta(hours=8)
    # Set when the console is served over HTTPS (behind a proxy): the cookie then never
    # travels in clear. Off by default because `b1hub serve` listens on plain localhost.
    cookie_secure: bool = False
    lock_after_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    # Login throttle (web.security.throttle): attempts that did not succeed, per client
    # address and per username typed, are forgotten after a quiet `login_window`; past the
    # free ones each attempt doubles the wait before the next (first delay, up to the max).
    # Per client generous (an office behind one NAT address), per username tight (the
    # account locks at `lock_after_failures` anyway).
    login_free_attempts_per_client: int = 10
    login_free_attempts_per_username: int = 3
    login_window: timedelta = timedelta(minutes=15)
    login_first_delay: timedelta = timedelta(seconds=1)
    login_max_delay: timedelta = timedelta(minutes=5)

    @classmethod
    def from_env(cls, integration: str | None = None) -> WebSettings:
        return cls(
            integration=integration or os.environ.get("B1HUB_INTEGRATION", "default"),
            session_secret=session_secret(),
            cookie_secure=_flag("B1HUB_COOKIE_SECURE", False),
            login_free_attempts_per_client=_count(
                "B1HUB_LOGIN_ATTEMPTS_PER_CLIENT", cls.login_free_attempts_per_client),
            login_free_attempts_per_username=_count(
                "B1HUB_LOGIN_ATTEMPTS_PER_USERNAME", cls.login_free_attempts_per_username),
            login_max_delay=timedelta(seconds=_count(
                "B1HUB_LOGIN_MAX_DELAY_SECONDS", int(cls.login_max_delay.total_seconds()))),
        )
