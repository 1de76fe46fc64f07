"""Salesforce record Ids: key prefixes, the case-safe 18-character suffix, allocation.

Clients compare Ids case-insensitively only through the 3-character suffix, so every Id
the sandbox hands out must carry a correct one; Ids sent in also get checked against it.

>>> to18("001000000000001")
'001000000000001AAA'
"""

from __future__ import annotations

import re
import sqlite3

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
POD = "5S"
"""Characters 4-5 of every Id, standing for the sandbox 'instance'."""


def suffix(id15: str) -> str:
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(id15: str) -> str:
    return id15 + suffix(id15)


def normalize(value: str) -> str | None:
    """The 18-char form of a 15- or 18-char Id, or None when it is not a valid Id."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        return None
    if len(value) == 15:
        return to18(value)
    if suffix(value[:15]) != value[15:].upper():
        return None
    return value[:15] + value[15:].upper()


def base62(n: int, width: int) -> str:
    chars = []
    while n:
        n, rem = divmod(n, 62)
        chars.append(_BASE62[rem])
    return "".join(reversed(chars)).rjust(width, "0")


class IdAllocator:
    """Hands out sequential Ids per key prefix; counters persist in ``id_seq``.

    The counter row is written in the caller's transaction, so a rolled-back insert may
    leave a gap, never a reused Id.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._next: dict[str, int] = {}

    def _load(self, prefix: str) -> int:
        if prefix not in self._next:
            row = self._conn.execute(
                "SELECT next FROM id_seq WHERE prefix = ?", (prefix,)
            ).fetchone()
            self._next[prefix] = int(row[0]) if row else 1
        return self._next[prefix]

    def new(self, prefix: str) -> str:
        return self.reserve(prefix, 1)[0]

    def take(self, name: str, count: int = 1) -> int:
        """Advance counter ``name`` by ``count``; the first number taken (also auto-numbers)."""
        start = self._load(name)
        self._next[name] = start + count
        self._conn.execute(
            "INSERT INTO id_seq(prefix, next) VALUES (?, ?) "
            "ON CONFLICT(prefix) DO UPDATE SET next = max(next, excluded.next)",
            (name, start + count),
        )
        return start

    def reserve(self, prefix: str, count: int) -> list[str]:
        """``count`` fresh Ids at once (seeding writes the counter row only once)."""
        start = self.take(prefix, count)
        return [to18(prefix + POD + base62(n, 10)) for n in range(start, start + count)]

    def forget(self) -> None:
        """Drop cached counters (after a reset wiped the table)."""
        self._next.clear()
