"""Secrets at rest: Fernet with a key kept outside the database.

The key comes from B1HUB_SECRET_KEY (comma-separated keys, newest first, to rotate) or from
B1HUB_HOME/secret.key, created owner-only on first use. A stolen database file (or backup)
therefore reveals no credentials without the key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from b1hub.store.paths import b1hub_home

SECRET_KEY_ENV = "B1HUB_SECRET_KEY"
KEY_FILE_NAME = "secret.key"


class SecretKeyError(RuntimeError):
    """The key is missing, malformed, or not the one the secrets were encrypted with."""


def key_file() -> Path:
    return b1hub_home() / KEY_FILE_NAME


def _create_key_file(path: Path) -> None:
    """Write a fresh key atomically: a racing process either wins or reads the winner's key."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink()


def _raw_keys() -> list[bytes]:
    from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
    if from_env:
        return [part.strip().encode() for part in from_env.split(",") if part.strip()]
    path = key_file()
    if not path.exists():
        _create_key_file(path)
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


def key_ring() -> MultiFernet:
    """All configured keys; the first encrypts, any of them decrypts."""
    try:
        return MultiFernet([Fernet(raw) for raw in _raw_keys()])
    except (ValueError, TypeError) as exc:
        raise SecretKeyError(
            f"invalid secret key in {SECRET_KEY_ENV} or {key_file()}: "
            "expected url-safe base64 Fernet keys (Fernet.generate_key())"
        ) from exc


def encrypt(plaintext: str | bytes) -> str:
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    return key_ring().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return key_ring().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise SecretKeyError(
            f"cannot decrypt stored secrets: the key in {SECRET_KEY_ENV} or {key_file()} is not "
            "the one they were encrypted with"
        ) from exc


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt(orjson.dumps(value))


def decrypt_json(token: str) -> dict[str, Any]:
    value = orjson.loads(decrypt(token))
    if not isinstance(value, dict):
        raise SecretKeyError("stored secrets are not a JSON object")
    return value
