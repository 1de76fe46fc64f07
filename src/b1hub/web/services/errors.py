"""Refusals the console explains to the user (HTTP 400/404/409 with the message)."""

from __future__ import annotations


class ActionRefused(ValueError):
    """The request is understood but cannot be done now (409): the message says why."""


class InvalidInput(ValueError):
    """The request itself is wrong (400 on the API, the form shown again with the message)."""


class NotFound(LookupError):
    """The thing named in the request does not exist in this integration (404)."""
