"""Every store test runs on SQLite (a temp file) and on PostgreSQL (127.0.0.1:5432).

PostgreSQL is required: the distributed mode depends on it, so its absence fails the run.
Each pytest process gets its own database (b1hub_test_<pid>), each test its own schema.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from b1hub.store import Store, open_store
from b1hub.store.repositories import ensure_integration

PG_ADMIN_URL = os.environ.get(
    "B1HUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
_schema_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private B1HUB_HOME; no key or database URL leaks in from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("B1HUB_HOME", str(home))
    monkeypatch.delenv("B1HUB_SECRET_KEY", raising=False)
    monkeypatch.delenv("B1HUB_DATABASE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = f"b1hub_test_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL is required by the store tests ({PG_ADMIN_URL}): {exc}")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh schema first on the search_path."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    database: str = request.getfixturevalue("pg_database")
    schema = f"t_{next(_schema_numbers)}"
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(database).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def two_integrations(store: Store) -> tuple[int, int]:
    """Ids of integrations 'default' and 'acme', the scoping tests' two tenants."""
    with store.transaction() as session:
        return ensure_integration(session, "default").id, ensure_integration(session, "acme").id
