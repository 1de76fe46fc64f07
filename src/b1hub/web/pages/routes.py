"""All console pages in one router."""

from __future__ import annotations

from fastapi import APIRouter

from b1hub.web.pages import admin, auth, dashboard, logs, schedules, selection, setup

router = APIRouter(include_in_schema=False)
for module in (auth, dashboard, setup, selection, schedules, logs, admin):
    router.include_router(module.router)
