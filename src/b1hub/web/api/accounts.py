"""Who am I, users, API tokens, audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from b1hub.store.repositories import AuditRepository
from b1hub.web.api.models import (
    AuditOut,
    Me,
    Message,
    RowId,
    TokenIn,
    TokenIssued,
    TokenOut,
    UserCreated,
    UserIn,
    UserOut,
    UserPatch,
)
from b1hub.web.security.principal import Admin, Operator, Viewer
from b1hub.web.services import accounts
from b1hub.web.state import console_state

router = APIRouter()


@router.get("/me", response_model=Me, tags=["users"])
def me(user: Viewer) -> Me:
    return Me(username=user.username, role=user.role, via=user.via)


@router.get("/users", response_model=list[UserOut], tags=["users"])
def users(request: Request, _: Admin) -> list[accounts.UserView]:
    return accounts.list_users(console_state(request).hub)


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED,
             tags=["users"])
def create_user(request: Request, body: UserIn, user: Admin) -> UserCreated:
    created, generated = accounts.create_user(console_state(request).hub, body.username,
                                              body.role, body.password, user.username)
    return UserCreated(user=UserOut.model_validate(created), generated_password=generated)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def patch_user(request: Request, user_id: RowId, body: UserPatch,
               user: Admin) -> accounts.UserView:
    return accounts.update_user(console_state(request).hub, user_id, user.user_id,
                                user.username, role=body.role, disabled=body.disabled,
                                unlock=body.unlock)


@router.post("/users/{user_id}/tokens", response_model=TokenIssued,
             status_code=status.HTTP_201_CREATED, tags=["tokens"])
def issue_for_user(request: Request, user_id: RowId, body: TokenIn, user: Admin) -> TokenIssued:
    """Tokens for scripts that run as another user (e.g. a read-only viewer)."""
    record, secret = accounts.issue_token(console_state(request).hub, user_id, body.name,
                                          user.username)
    return TokenIssued(token=TokenOut.model_validate(record), secret=secret)


@router.get("/tokens", response_model=list[TokenOut], tags=["tokens"])
def tokens(request: Request, user: Viewer) -> list[accounts.TokenView]:
    return accounts.list_tokens(console_state(request).hub, user.user_id)


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED,
             tags=["tokens"])
def issue(request: Request, body: TokenIn, user: Operator) -> TokenIssued:
    record, secret = accounts.issue_token(console_state(request).hub, user.user_id, body.name,
                                          user.username)
    return TokenIssued(token=TokenOut.model_validate(record), secret=secret)


@router.delete("/tokens/{token_id}", response_model=Message, tags=["tokens"])
def revoke(request: Request, token_id: RowId, user: Operator) -> Message:
    accounts.revoke_token(console_state(request).hub, user.user_id, token_id,
                          user.token_prefix, user.username)
    return Message(message=f"token {token_id} revoked")


@router.get("/audit", response_model=list[AuditOut], tags=["audit"])
def audit(request: Request, _: Admin,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[Any]:
    """Newest first: this integration's changes and the hub-wide ones (users, tokens)."""
    hub = console_state(request).hub
    with hub.repos() as repos:
        scoped = repos.audit.recent(limit)
        hub_wide = AuditRepository(repos.session, None).recent(limit)
    return sorted([*scoped, *hub_wide], key=lambda e: e.id, reverse=True)[:limit]
