"""Engine configuration: where the embedded database lives and the SQLite settings we rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from b1hub.store import database_url, make_engine, open_store


def test_default_database_is_a_sqlite_file_under_b1hub_home(hub_home: Path) -> None:
    assert not hub_home.exists()
    assert database_url() == f"sqlite:///{hub_home / 'b1hub.db'}"
    assert hub_home.is_dir()
    store = open_store()
    try:
        assert store.engine.dialect.name == "sqlite"
        assert (hub_home / "b1hub.db").is_file()
    finally:
        store.dispose()


def test_b1hub_database_url_selects_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("B1HUB_DATABASE_URL", url)
    assert database_url() == url


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def test_the_store_retry_window_sets_the_sqlite_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B1HUB_STORE_RETRY_SECONDS", "2.5")
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2_500
    finally:
        engine.dispose()
    monkeypatch.setenv("B1HUB_STORE_RETRY_SECONDS", "soon")
    with pytest.raises(ValueError, match="B1HUB_STORE_RETRY_SECONDS='soon' is not a positive"):
        make_engine(f"sqlite:///{tmp_path / 'x.db'}")


def test_postgresql_url_gives_a_psycopg_engine(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        expected = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        assert engine.dialect.name == expected
        if expected == "postgresql":
            assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()
