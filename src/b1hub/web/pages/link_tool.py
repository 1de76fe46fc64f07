"""The Master Data Mapping Tool: download a template, upload it filled, see every row."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from b1hub.mapping.link_upload import UploadReport
from b1hub.web.pages.forms import read_form, text
from b1hub.web.security.principal import Admin, Operator, Viewer
from b1hub.web.services import link_tool
from b1hub.web.services.errors import InvalidInput, NotFound
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()
STASH = "link_upload"


def _page(request: Request, report: UploadReport | None = None,
          stash_id: str | None = None) -> Response:
    return render(request, "pages/link_tool.html", title="Master Data Mapping Tool",
                  kinds=link_tool.kinds(), report=report, stash_id=stash_id)


@router.get("/link-tool")
def link_tool_page(request: Request, _: Viewer) -> Response:
    return _page(request)


@router.get("/link-tool/template/{kind}")
def download_template(
    request: Request, kind: str, _: Operator,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
) -> Response:
    filename, content, _count = link_tool.template(console_state(request).hub, kind, format)
    return Response(content, media_type=link_tool.FORMATS[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report_message(report: UploadReport) -> tuple[str, str]:
    """The flash message and its level."""
    counts = report.summary()
    if report.applied:
        return (f"linked {counts['linked']} {report.object} record(s); "
                      f"{counts['unchanged']} already linked, {counts['invalid']} invalid "
                      "row(s) left out"), "ok"
    return (f"nothing linked: {counts['invalid']} invalid row(s). Fix them and upload again, "
            "or link the valid rows only"), "error"


@router.post("/link-tool/upload")
async def upload(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput("choose the filled template to upload")
    content = await file.read()
    report, stash_id = await run_in_threadpool(
        link_tool.upload_bytes, console_state(request).hub, file.filename, content,
        valid_rows_only=form.get("valid_rows_only") == "on", by=user.username)
    if stash_id is not None:
        previous = request.session.get(STASH)
        if isinstance(previous, str):
            link_tool.discard(previous)
        request.session[STASH] = stash_id
    flash(request, *_report_message(report))
    return _page(request, report, stash_id)


@router.post("/link-tool/apply")
async def apply_valid_rows(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    stash_id = text(form, "upload")
    if stash_id is None or stash_id != request.session.get(STASH):
        raise NotFound("that upload is no longer kept; upload the file again")
    request.session.pop(STASH, None)
    report = await run_in_threadpool(link_tool.apply_valid_rows, console_state(request).hub,
                                     stash_id, user.username)
    flash(request, *_report_message(report))
    return _page(request, report)
