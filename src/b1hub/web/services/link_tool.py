"""The Master Data Mapping Tool in the browser: template download, upload, apply.

:mod:`b1hub.mapping.template` and :mod:`b1hub.mapping.link_upload` work on files; a
browser sends bytes. An upload that is refused because some rows are invalid is kept
(under B1HUB_HOME/uploads, owner-only, for a day) so the user can choose "link the valid
rows only" without uploading again; the rows are validated again at that moment.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from b1hub.hub import Hub
from b1hub.mapping.link_upload import UploadReport, upload
from b1hub.mapping.sheets import SheetError
from b1hub.mapping.template import KINDS, TemplateKind, kind_of, write_template
from b1hub.store.paths import b1hub_home
from b1hub.web.services.errors import InvalidInput, NotFound
from b1hub.web.services.mappings import remote

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
MAX_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 24 * 3600
STASH_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


def kinds() -> list[TemplateKind]:
    return list(KINDS.values())


def kind(name: str) -> TemplateKind:
    try:
        return kind_of(name)
    except ValueError as exc:
        raise NotFound(str(exc)) from None


def template(hub: Hub, name: str, fmt: str) -> tuple[str, bytes, int]:
    """``(file name, content, number of records)`` of the template for ``name``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format is one of: {', '.join(FORMATS)}")
    wanted = kind(name)
    filename = f"b1hub-{wanted.object}-links.{fmt}"
    with tempfile.TemporaryDirectory(prefix="b1hub-template-") as tmp:
        path = Path(tmp) / filename
        with remote(f"cannot read the {wanted.sobject} records from Salesforce"):
            count = write_template(hub, wanted, path)
        return filename, path.read_bytes(), count


def _uploads() -> Path:
    path = b1hub_home() / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_SECONDS
    for old in path.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return path


def _file_name(name: str | None) -> str:
    base = SAFE_NAME.sub("_", Path(name or "").name)[-100:]
    if Path(base).suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput("upload the filled template as a .xlsx or .csv file")
    return base


def _stash(filename: str | None, content: bytes) -> tuple[str, Path]:
    if not content:
        raise InvalidInput("the uploaded file is empty")
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    stash_id = secrets.token_urlsafe(24)
    folder = _uploads() / stash_id
    folder.mkdir(mode=0o700)
    path = folder / _file_name(filename)
    path.write_bytes(content)
    return stash_id, path


def _run(hub: Hub, path: Path, valid_rows_only: bool, by: str) -> UploadReport:
    with remote("cannot check the rows against SAP and Salesforce"):
        try:
            return upload(hub, path, valid_rows_only=valid_rows_only, by=by)
        except SheetError as exc:
            raise InvalidInput(str(exc)) from None


def upload_bytes(
    hub: Hub, filename: str | None, content: bytes, *, valid_rows_only: bool, by: str
) -> tuple[UploadReport, str | None]:
    """Validate (and apply when allowed); the id of the kept file when it was refused."""
    stash_id, path = _stash(filename, content)
    try:
        report = _run(hub, path, valid_rows_only, by)
    except Exception:
        discard(stash_id)
        raise
    if report.applied:
        discard(stash_id)
        return report, None
    return report, stash_id


def apply_valid_rows(hub: Hub, stash_id: str, by: str) -> UploadReport:
    """Link the valid rows of a kept upload (validated again now), then forget the file."""
    folder = _uploads() / stash_id if STASH_ID.match(stash_id) else None
    files = sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []
    if not files:
        raise NotFound("that upload is no longer kept; upload the file again")
    try:
        return _run(hub, files[0], True, by)
    finally:
        discard(stash_id)


def discard(stash_id: str) -> None:
    if STASH_ID.match(stash_id):
        shutil.rmtree(_uploads() / stash_id, ignore_errors=True)
