"""Held matches, conflicts held for review and per-object settings, for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from b1hub.store.types import ConflictPolicy
from b1hub.web.api.mapping_models import (
    HeldDismissIn,
    HeldLinkIn,
    HeldMatchOut,
    ObjectSettingsIn,
    ObjectSettingsOut,
    ResolveIn,
)
from b1hub.web.api.models import Message, RowId
from b1hub.web.security.principal import Admin, Viewer
from b1hub.web.services import mappings, review
from b1hub.web.state import console_state

router = APIRouter()


@router.get("/held-matches", response_model=list[HeldMatchOut], tags=["review"])
def held_matches(request: Request, _: Viewer,
                 object: Annotated[str | None, Query(max_length=32)] = None) -> list[object]:
    """Ambiguous matches of initialization still waiting for a person."""
    return list(review.held_matches(console_state(request).hub, object))


@router.post("/held-matches/{object_name}/link", response_model=Message, tags=["review"])
def link_held(request: Request, object_name: str, body: HeldLinkIn, user: Admin) -> Message:
    """Link the held SAP record to the candidate chosen; the record is no longer held."""
    return Message(message=review.link_held(console_state(request).hub, object_name,
                                            body.sap_key, body.sf_id, user.username))


@router.post("/held-matches/{object_name}/dismiss", response_model=Message, tags=["review"])
def dismiss_held(request: Request, object_name: str, body: HeldDismissIn,
                 user: Admin) -> Message:
    """None of the candidates is the SAP record: it is no longer held."""
    return Message(message=review.dismiss_held(console_state(request).hub, object_name,
                                               body.sap_key, user.username))


@router.post("/conflicts/{conflict_id}/resolve", response_model=Message, tags=["review"])
def resolve_conflict(request: Request, conflict_id: RowId, body: ResolveIn,
                     user: Admin) -> Message:
    return Message(message=review.resolve_conflict(console_state(request).hub, conflict_id,
                                                   body.take, user.username))


@router.get("/objects/{object_name}/settings", response_model=ObjectSettingsOut,
            tags=["review"])
def object_settings(request: Request, object_name: str, _: Viewer) -> object:
    return review.object_settings(console_state(request).hub,
                                  [mappings.known(object_name)])[0]


@router.patch("/objects/{object_name}/settings", response_model=ObjectSettingsOut,
              tags=["review"])
def patch_object_settings(request: Request, object_name: str, body: ObjectSettingsIn,
                          user: Admin) -> object:
    """Change only what is given; conflict_policy "general" follows General settings."""
    policy = body.conflict_policy
    return review.update_object_settings(
        console_state(request).hub, object_name, user.username, enabled=body.enabled,
        direction=body.direction,
        conflict_policy=policy if isinstance(policy, ConflictPolicy) else None,
        general_policy=policy == "general")
