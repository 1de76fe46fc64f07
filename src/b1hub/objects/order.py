"""Salesforce Order (+ OrderItem) → SAP sales order; SAP number and status back."""

from __future__ import annotations

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.objects.quotation import document_passes
from b1hub.objects.spec import ObjectSpec

IN = Direction.SALESFORCE_TO_SAP

ORDER_MAP = ObjectMap(
    fields=(
        FieldMap("order_date", "DocDate", "EffectiveDate", IN, transform="date"),
        FieldMap("due_date", "DocDueDate", "EndDate", IN, transform="date"),
        FieldMap("comments", "Comments", "Description", IN),
    )
)

ORDER = ObjectSpec(
    name="order",
    sap_entity="Orders",
    sap_key="DocEntry",
    salesforce_object="Order",
    salesforce_external_id="SAP_DocEntry__c",
    field_map=ORDER_MAP,
    direction=IN,
    depends_on=("account", "product"),
    requires_initialization=False,
    passes=document_passes,
)
