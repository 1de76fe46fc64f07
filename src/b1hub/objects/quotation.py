"""Salesforce Quote (+ QuoteLineItem) → SAP sales quotation; SAP number and status back."""

from __future__ import annotations

from typing import Any

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.objects.spec import ObjectSpec

IN = Direction.SALESFORCE_TO_SAP


def document_passes(ctx: Any, direction: Direction, sap_keys: set[str] | None,
                    sf_ids: set[str] | None) -> None:
    """Imported late: the engine's document passes import the object registry's users."""
    from b1hub.sync.documents import run_documents

    run_documents(ctx, direction, sap_keys, sf_ids)


QUOTATION_MAP = ObjectMap(
    fields=(
        FieldMap("valid_until", "DocDueDate", "ExpirationDate", IN, transform="date"),
        FieldMap("comments", "Comments", "Description", IN),
    )
)

QUOTATION = ObjectSpec(
    name="quotation",
    sap_entity="Quotations",
    sap_key="DocEntry",
    salesforce_object="Quote",
    salesforce_external_id="SAP_DocEntry__c",
    field_map=QUOTATION_MAP,
    direction=IN,
    depends_on=("account", "product"),
    requires_initialization=False,
    passes=document_passes,
)
