"""PLACEHOLDER: replaced by the Service Layer sandbox implementation."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from b1hub.sandbox.config import ServiceLayerSettings


def create_app(settings: ServiceLayerSettings) -> Starlette:
    async def ping(_: object) -> JSONResponse:
        return JSONResponse({})

    return Starlette(routes=[Route("/b1s/v2/", ping)])
