"""Login throttle: password guessing is slowed per client address and per username typed.

Every attempt is counted before the password is checked, so parallel guesses cannot slip in
ahead of the first recorded failure. Past the free attempts each one doubles the wait before
the next; an attempt made during the wait is answered 429 with Retry-After and the password
is not even looked at (no argon2 work for an attacker to make the hub spend). Unknown
usernames are counted like real ones, so the throttle reveals nothing about which exist.

The counts live in the store, not in memory: the console of a distributed hub runs as
several processes behind one address, and an attacker must not get a fresh allowance from
each. Behind a reverse proxy the client address is the one uvicorn takes from
X-Forwarded-For when the proxy is trusted (uvicorn's FORWARDED_ALLOW_IPS).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from b1hub.store import Store
from b1hub.store.repositories.users import (
    CLIENT_SCOPE,
    USERNAME_SCOPE,
    LoginThrottleRepository,
    ThrottleKey,
    ThrottlePolicy,
    username_key,
)
from b1hub.web.config import WebSettings

log = logging.getLogger(__name__)
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Throttled:
    """An attempt refused unchecked: the client may try again in `retry_after` seconds."""

    retry_after: int

    @property
    def message(self) -> str:
        return f"Too many login attempts: try again in {self.retry_after} s."


def client_key(host: str | None) -> str:
    """The counter a client address falls under. IPv6 is counted per /64, the block one
    host is usually given, so hopping through its addresses buys no fresh attempts."""
    if not host:
        return UNKNOWN_CLIENT
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _keys(settings: WebSettings, host: str | None, username: str) -> tuple[ThrottleKey, ...]:
    return (ThrottleKey(CLIENT_SCOPE, client_key(host), settings.login_free_attempts_per_client),
            ThrottleKey(USERNAME_SCOPE, username_key(username),
                        settings.login_free_attempts_per_username))


def _policy(settings: WebSettings) -> ThrottlePolicy:
    return ThrottlePolicy(window=settings.login_window, first_delay=settings.login_first_delay,
                          max_delay=settings.login_max_delay)


def admit(store: Store, settings: WebSettings, host: str | None,
          username: str) -> Throttled | None:
    """Count this attempt, or refuse it while the client or the username must wait.

    Its own short transaction: the row locks must not be held while argon2 runs.
    """
    keys = _keys(settings, host, username)
    with store.transaction() as session:
        admission = LoginThrottleRepository(session).admit(keys, _policy(settings))
    if admission.wait is not None:
        return Throttled(max(1, math.ceil(admission.wait.total_seconds())))
    for scope, delay in admission.blocks.items():
        # The client address helps an operator act (firewall); the username is logged only
        # as a hash prefix: it may be a password typed into the wrong field.
        who = keys[0].key if scope == CLIENT_SCOPE else f"sha256:{keys[1].key[:12]}"
        log.warning("login throttle: %s %s must wait %.0f s before its next attempt",
                    scope, who, delay.total_seconds())
    return None


def succeeded(session: Session, settings: WebSettings, host: str | None,
              username: str) -> None:
    """A correct password, inside the login's transaction: see LoginThrottleRepository."""
    client, user = _keys(settings, host, username)
    LoginThrottleRepository(session).succeeded(client, user)
