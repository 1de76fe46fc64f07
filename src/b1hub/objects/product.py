"""Product2 ⇐ SAP item, SAP → Salesforce only; prices go to price book entries."""

from __future__ import annotations

from typing import Any

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.mapping.transforms import yes_no_to_bool
from b1hub.objects.spec import ObjectSpec

ACTIVE = "_Active"
"""A derived SAP value: valid and not frozen."""


def prepare_item(record: dict[str, Any]) -> dict[str, Any]:
    valid = yes_no_to_bool(record.get("Valid", "tYES"))
    frozen = yes_no_to_bool(record.get("Frozen", "tNO"))
    return {**record, ACTIVE: "tYES" if valid and not frozen else "tNO"}


PRODUCT_MAP = ObjectMap(
    fields=(
        FieldMap("name", "ItemName", "Name", Direction.SAP_TO_SALESFORCE, required=True),
        FieldMap("product_code", "ItemCode", "ProductCode", Direction.SAP_TO_SALESFORCE),
        FieldMap("active", ACTIVE, "IsActive", Direction.SAP_TO_SALESFORCE, transform="yes_no"),
        FieldMap("description", "ForeignName", "Description", Direction.SAP_TO_SALESFORCE),
    )
)

PRODUCT = ObjectSpec(
    name="product",
    sap_entity="Items",
    sap_key="ItemCode",
    salesforce_object="Product2",
    salesforce_external_id="SAP_ItemCode__c",
    field_map=PRODUCT_MAP,
    direction=Direction.SAP_TO_SALESFORCE,
    prepare_sap=prepare_item,
)
