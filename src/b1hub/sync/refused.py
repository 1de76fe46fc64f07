"""A request a remote refused during a run: a piece of setup is missing, not an outage.

A read is refused (HTTP 400/404, not 5xx) when the org or the company lacks what the hub
names in it: the external id field it upserts on, its cross-reference UDFs, a mapped
custom field deleted since. Pausing would promise a resume that never comes, so the run
fails saying what is missing. Both systems are asked once, after the refusal, so a
healthy run pays nothing for the diagnosis.
"""

from __future__ import annotations

from b1hub.activation import PRICE_EXTERNAL_ID, missing_external_ids
from b1hub.connectors.outcomes import RecordError
from b1hub.diagnostics import RemoteFailure
from b1hub.objects import udfs
from b1hub.sync.context import RunContext


def explain(ctx: RunContext, error: RecordError) -> str:
    """Why the run cannot go on, naming the missing field when one is found."""
    spec = ctx.spec
    try:
        udfs.check_udfs(ctx.sap, spec.sap_entity)
    except udfs.MissingUdfs as exc:
        return f"failed: {exc}; nothing more was read or written"
    required = [(spec.salesforce_object, spec.salesforce_external_id)]
    if spec.sap_entity == "Items":
        required.append(PRICE_EXTERNAL_ID)
    try:
        missing = missing_external_ids(ctx.sf, required)
    except RemoteFailure:
        missing = []
    if missing:
        return (f"failed: Salesforce lacks {', '.join(missing)}, the external id b1hub finds "
                f"and upserts {spec.name} records by — create it as a unique External ID "
                "text field (`b1hub activate` checks them all), then sync again; nothing "
                "more was read or written")
    return (f"failed: a request was refused: {error.message} ({error.code}) — a field or "
            f"object the {spec.name} sync uses is missing or not accessible; check the "
            "object's field mappings against both systems, then sync again")
