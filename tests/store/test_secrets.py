"""Secrets at rest: only ciphertext in the database, the key outside it, nothing in reprs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from b1hub.store import Store
from b1hub.store.models import Connection
from b1hub.store.repositories import Repositories, ensure_integration
from b1hub.store.secrets import SecretKeyError, decrypt, encrypt
from b1hub.store.types import System

PASSWORD = "Sup3r-Secret-Passw0rd!"


def _save_sap(store: Store) -> int:
    with store.transaction() as session:
        integration_id = ensure_integration(session).id
        Repositories(session, integration_id).connections.save(
            System.SAP,
            {"base_url": "https://sap.example:50000/b1s/v2", "company_db": "SBODEMOUS"},
            {"password": PASSWORD},
        )
        return integration_id


def test_key_file_is_created_owner_only_under_b1hub_home(hub_home: Path) -> None:
    key_path = hub_home / "secret.key"
    assert not key_path.exists()
    token = encrypt("hello")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = key_path.read_bytes()
    assert Fernet(key.strip()).decrypt(token.encode()) == b"hello"
    assert decrypt(encrypt("again")) == b"again"
    assert key_path.read_bytes() == key
    assert len(list(hub_home.glob("*.tmp"))) == 0


def test_env_key_is_used_and_no_key_file_is_written(
    hub_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("B1HUB_SECRET_KEY", key.decode())
    token = encrypt("hello")
    assert Fernet(key).decrypt(token.encode()) == b"hello"
    assert not (hub_home / "secret.key").exists()


def test_rotation_new_key_first_still_reads_old_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("B1HUB_SECRET_KEY", old)
    token = encrypt("kept")
    monkeypatch.setenv("B1HUB_SECRET_KEY", f"{new},{old}")
    assert decrypt(token) == b"kept"
    assert Fernet(new.encode()).decrypt(encrypt("fresh").encode()) == b"fresh"


def test_wrong_or_malformed_key_fails_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    token = encrypt("x")
    monkeypatch.setenv("B1HUB_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretKeyError, match="not the one they were encrypted with"):
        decrypt(token)
    monkeypatch.setenv("B1HUB_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretKeyError, match="invalid secret key"):
        encrypt("x")


def test_connection_secret_round_trips_and_is_only_ciphertext_in_the_row(store: Store) -> None:
    integration_id = _save_sap(store)
    with store.transaction() as session:
        raw = session.execute(text("SELECT settings, secrets_ciphertext FROM connections")).one()
        assert PASSWORD not in str(raw.settings)
        assert PASSWORD not in raw.secrets_ciphertext
        assert decrypt(raw.secrets_ciphertext) == f'{{"password":"{PASSWORD}"}}'.encode()
        config = Repositories(session, integration_id).connections.get(System.SAP)
        assert config is not None
        assert config.secrets == {"password": PASSWORD}
        assert config.settings["company_db"] == "SBODEMOUS"


def test_sqlite_file_bytes_never_contain_the_plaintext_secret(tmp_path: Path) -> None:
    from b1hub.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'db' / 'hub.db'}")
    try:
        _save_sap(store)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM connections").scalar() == 1
    finally:
        store.dispose()
    files = [p for p in (tmp_path / "db").iterdir() if p.is_file()]
    assert any(p.name == "hub.db" for p in files)
    for path in files:
        content = path.read_bytes()
        assert PASSWORD.encode() not in content, path
    assert b"SBODEMOUS" in b"".join(p.read_bytes() for p in files)


def test_secrets_kept_when_settings_change_without_them(store: Store) -> None:
    integration_id = _save_sap(store)
    with store.transaction() as session:
        repo = Repositories(session, integration_id).connections
        repo.save(System.SAP, {"base_url": "https://other:50000/b1s/v2", "company_db": "X"})
        config = repo.get(System.SAP)
        assert config is not None
        assert config.secrets == {"password": PASSWORD}
        assert config.settings == {"base_url": "https://other:50000/b1s/v2", "company_db": "X"}


def test_secret_looking_settings_are_refused(store: Store) -> None:
    with store.transaction() as session:
        repo = Repositories(session, ensure_integration(session).id).connections
        with pytest.raises(ValueError, match="client_secret"):
            repo.save(System.SALESFORCE, {"client_secret": "abc", "instance_url": "https://x"})


def test_reprs_never_show_secrets(store: Store) -> None:
    integration_id = _save_sap(store)
    with store.transaction() as session:
        row = session.scalars(select(Connection)).one()
        config = Repositories(session, integration_id).connections.get(System.SAP)
        for shown in (repr(row), str(row), repr(config), str(config)):
            assert PASSWORD not in shown
            assert (row.secrets_ciphertext or "") not in shown
        assert "'password': '***'" in repr(config)
