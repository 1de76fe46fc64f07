"""Is the database's schema current? Answered without importing Alembic.

Every hub process opens the store, and a scheduled poll is a process: Alembic's import
and its no-op upgrade were a fifth of an idle poll's CPU. The head revision is read from
the migration scripts' ``revision`` / ``down_revision`` lines (a test holds it equal to
Alembic's answer); only a database behind it pays for ``upgrade``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_ASSIGNED = re.compile(r'^(revision|down_revision)\b[^=]*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


@cache
def script_head() -> str | None:
    """The one revision no other script names as its ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in VERSIONS.glob("*.py"):
        for name, value in _ASSIGNED.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migration scripts have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def is_current(engine: Engine) -> bool:
    """True when the database is at the scripts' head (False when it has no schema yet)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return False
    return [row[0] for row in found] == [script_head()]
