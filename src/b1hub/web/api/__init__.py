"""REST API under /api/v1: the same services as the pages, JSON in and out.

Scripts authenticate with ``Authorization: Bearer <token>`` (tokens from the console's API
tokens page or ``POST /api/v1/tokens``); a browser session works too, with the CSRF header
on every change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from b1hub.web.api import accounts, configuration, mappings, operations, review
from b1hub.web.security.principal import Viewer


class ErrorOut(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "invalid input"), (401, "authentication required"),
                       (403, "role or CSRF check failed"), (404, "not found"),
                       (409, "refused in the current state"))
}

router = APIRouter(responses=ERRORS)
router.include_router(operations.router)
router.include_router(configuration.router)
router.include_router(accounts.router)
router.include_router(mappings.router)
router.include_router(review.router)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _: Viewer) -> dict[str, Any]:
    """The API's schema; behind authentication like everything else."""
    cached: dict[str, Any] | None = getattr(request.app.state, "api_schema", None)
    if cached is None:
        # Pages, probes and /metrics are excluded from the schema: only /api/v1 remains.
        cached = get_openapi(title="b1hub API", version="1", routes=request.app.routes,
                             description=__doc__)
        cached.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}}
        cached["security"] = [{"bearer": []}]
        request.app.state.api_schema = cached
    return cached
