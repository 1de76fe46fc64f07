"""Users (admin), own API tokens (operator and admin), audit log (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from b1hub.store.repositories import AuditRepository
from b1hub.store.types import Role
from b1hub.web.api.models import RowId
from b1hub.web.pages.forms import read_form, text
from b1hub.web.security.principal import Admin, Operator, Viewer
from b1hub.web.services import accounts
from b1hub.web.services.errors import InvalidInput
from b1hub.web.state import console_state
from b1hub.web.templating import flash, render

router = APIRouter()


def _role(value: str | None) -> Role:
    try:
        return Role(value or "")
    except ValueError:
        raise InvalidInput("choose admin, operator or viewer") from None


def _users(request: Request, done: str | None = None,
           generated: str | None = None) -> Response:
    # A generated password is rendered into this one answer, never put in the session
    # cookie (signed, not encrypted) nor in a redirect.
    return render(request, "pages/users.html", title="Users",
                  users=accounts.list_users(console_state(request).hub),
                  roles=[r.value for r in Role], done=done, generated=generated)


@router.get("/users")
def users_page(request: Request, _: Admin) -> Response:
    return _users(request)


@router.post("/users")
async def create_user(request: Request, user: Admin) -> Response:
    form = await read_form(request)
    created, generated = await run_in_threadpool(
        accounts.create_user, console_state(request).hub, text(form, "username") or "",
        _role(text(form, "role")), text(form, "password"), user.username)
    return _users(request, f"user {created.username} created", generated)


@router.post("/users/{user_id}")
async def update_user(request: Request, user_id: RowId, user: Admin) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    hub = console_state(request).hub
    if action == "password":
        generated = await run_in_threadpool(accounts.set_password, hub, user_id,
                                            text(form, "password"), user.username)
        return _users(request, "password changed", generated)
    else:
        await run_in_threadpool(lambda: accounts.update_user(
            hub, user_id, user.user_id, user.username,
            role=_role(text(form, "role")) if action == "role" else None,
            disabled={"disable": True, "enable": False}.get(action or ""),
            unlock=action == "unlock"))
        flash(request, "user updated")
    return RedirectResponse("/users", status_code=303)


def _tokens(request: Request, user_id: int, issued: str | None = None) -> Response:
    return render(request, "pages/tokens.html", title="API tokens",
                  tokens=accounts.list_tokens(console_state(request).hub, user_id),
                  issued=issued)


@router.get("/tokens")
def tokens_page(request: Request, user: Viewer) -> Response:
    return _tokens(request, user.user_id)


@router.post("/tokens")
async def issue_token(request: Request, user: Operator) -> Response:
    form = await read_form(request)
    _, secret = await run_in_threadpool(accounts.issue_token, console_state(request).hub,
                                        user.user_id, text(form, "name") or "", user.username)
    return _tokens(request, user.user_id, issued=secret)  # shown in this answer only


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId, user: Operator) -> Response:
    accounts.revoke_token(console_state(request).hub, user.user_id, token_id, None,
                          user.username)
    flash(request, f"token {token_id} revoked")
    return RedirectResponse("/tokens", status_code=303)


@router.get("/audit")
def audit_page(request: Request, _: Admin) -> Response:
    with console_state(request).hub.repos() as repos:
        entries = sorted([*repos.audit.recent(300),
                          *AuditRepository(repos.session, None).recent(300)],
                         key=lambda e: e.id, reverse=True)[:300]
    return render(request, "pages/audit.html", title="Audit log", entries=entries)
