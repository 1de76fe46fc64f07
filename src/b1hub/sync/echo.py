"""Recognising the hub's own Salesforce writes by standard fields every org has.

The hub expects a dedicated integration user, as Salesforce recommends for integrations:
a record the hub wrote last carries that user in ``LastModifiedById``, so reads leave such
records out (``LastModifiedById != '<hub user>'``) and a quiet run stays one cheap query.
The price: edits people make while logged in as the integration user are not seen — nobody
should work in Salesforce as that user. Writes still send ``Sforce-Call-Options:
client=b1hub``, which Change Data Capture reports as the change's ``changeOrigin``.
"""

from __future__ import annotations

from typing import Any

from b1hub.sync.context import Paused, RunContext

USER_FIELD = "LastModifiedById"


def hub_user(ctx: RunContext) -> str:
    """The integration user's Id (asked once per run; a failed ask pauses the run)."""
    if ctx.integration_user is None:
        found = ctx.sf.integration_user_id()
        if not isinstance(found, str):
            raise Paused(found)
        ctx.integration_user = found
    return ctx.integration_user


def not_ours(ctx: RunContext) -> str:
    """SOQL condition: records someone other than the hub changed last."""
    user = hub_user(ctx).replace("\\", "\\\\").replace("'", "\\'")
    return f"{USER_FIELD} != '{user}'"


def ours(ctx: RunContext, raw: dict[str, Any]) -> bool:
    """The Salesforce record (read with ``LastModifiedById``) was last written by the hub."""
    return raw.get(USER_FIELD) == hub_user(ctx)
