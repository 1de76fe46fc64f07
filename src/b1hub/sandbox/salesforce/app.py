"""PLACEHOLDER: replaced by the Salesforce sandbox implementation."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from b1hub.sandbox.config import SalesforceSettings


def create_app(settings: SalesforceSettings) -> Starlette:
    async def versions(_: object) -> JSONResponse:
        version = {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"}
        return JSONResponse([version])

    return Starlette(routes=[Route("/services/data/", versions)])
