"""All console pages in one router."""

from __future__ import annotations

from fastapi import APIRouter

from b1hub.web.pages import (
    admin,
    auth,
    dashboard,
    link_tool,
    logs,
    mappings,
    review,
    schedules,
    selection,
    setup,
)

router = APIRouter(include_in_schema=False)
for module in (auth, dashboard, setup, review, selection, schedules, mappings, link_tool, logs,
               admin):
    router.include_router(module.router)
