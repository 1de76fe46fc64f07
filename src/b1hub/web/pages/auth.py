"""Login and logout. The login form is one of the few open routes; it is CSRF-protected
too (login CSRF), slows repeated attempts per client and per username (429 with
Retry-After, see web.security.throttle) and locks an account after repeated failures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from b1hub.store.repositories import AuditRepository, UserRepository
from b1hub.web.pages.forms import read_form, safe_next, text
from b1hub.web.security import throttle
from b1hub.web.security.csrf import CsrfFailed, check_csrf, csrf_token
from b1hub.web.security.passwords import verify_password
from b1hub.web.security.principal import NotAuthenticated, password_fingerprint
from b1hub.web.state import console_state
from b1hub.web.templating import render

router = APIRouter()
FAILED = "Wrong username or password, or the account is locked for a while."


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "pages/login.html", next=safe_next(next), error=None)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _authenticate(request: Request, username: str, password: str) -> tuple[int, str] | None:
    state = console_state(request)
    settings = state.settings
    with state.hub.store.transaction() as session:
        users = UserRepository(session)
        user = users.get(username.strip().lower())
        if user is None or user.disabled or users.is_locked(user):
            verify_password(None, password)  # same cost as a real check
            return None
        if not verify_password(user.password_hash, password):
            users.record_failed_login(user, lock_after=settings.lock_after_failures,
                                      lock_for=settings.lock_for)
            if users.is_locked(user):
                AuditRepository(session, None).record(user.username, "user.locked",
                                                      user.username)
            return None
        users.record_login(user)
        throttle.succeeded(session, settings, _client(request), username)
        AuditRepository(session, None).record(user.username, "user.login", user.username)
        return user.id, password_fingerprint(user.password_hash)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    target = safe_next(text(form, "next"))
    try:
        await check_csrf(request)
    except CsrfFailed as exc:
        return render(request, "pages/login.html", status_code=403, next=target,
                      error=str(exc))
    username = text(form, "username") or ""
    state = console_state(request)
    throttled = await run_in_threadpool(throttle.admit, state.hub.store, state.settings,
                                        _client(request), username)
    if throttled is not None:
        response = render(request, "pages/login.html", status_code=429, next=target,
                          error=throttled.message)
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    found = await run_in_threadpool(_authenticate, request, username,
                                    text(form, "password") or "")
    if found is None:
        return render(request, "pages/login.html", status_code=401, next=target, error=FAILED)
    request.session.clear()  # a fresh session (and CSRF token) on login: no fixation
    request.session["uid"], request.session["fp"] = found
    csrf_token(request)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    if "uid" not in request.session:
        raise NotAuthenticated()
    await check_csrf(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
