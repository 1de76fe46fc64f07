"""Account ⇄ SAP business partner (customers), both ways, add and update, no deletes."""

from __future__ import annotations

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.objects.spec import ObjectSpec

BILL = "BPAddresses[AddressType=bo_BillTo]"
SHIP = "BPAddresses[AddressType=bo_ShipTo]"


def _address(prefix: str, sap: str, sf: str) -> tuple[FieldMap, ...]:
    return (
        FieldMap(f"{prefix}_street", f"{sap}.Street", f"{sf}Street"),
        FieldMap(f"{prefix}_city", f"{sap}.City", f"{sf}City"),
        FieldMap(f"{prefix}_postal_code", f"{sap}.ZipCode", f"{sf}PostalCode"),
        FieldMap(f"{prefix}_state", f"{sap}.State", f"{sf}State"),
        FieldMap(f"{prefix}_country", f"{sap}.Country", f"{sf}Country", value_map="countries"),
    )


ACCOUNT_MAP = ObjectMap(
    fields=(
        FieldMap("name", "CardName", "Name", required=True),
        FieldMap("account_number", "CardCode", "AccountNumber", Direction.SAP_TO_SALESFORCE),
        FieldMap("phone", "Phone1", "Phone"),
        FieldMap("fax", "Fax", "Fax"),
        FieldMap("email", "EmailAddress", "Email__c"),
        FieldMap("website", "Website", "Website"),
        FieldMap("currency", "Currency", "CurrencyIsoCode", Direction.SAP_TO_SALESFORCE,
                 transform="currency"),
        FieldMap("tax_id", "FederalTaxID", "Tax_ID__c"),
        FieldMap("notes", "Notes", "Description"),
        *_address("billing", BILL, "Billing"),
        *_address("shipping", SHIP, "Shipping"),
    )
)

ACCOUNT = ObjectSpec(
    name="account",
    sap_entity="BusinessPartners",
    sap_key="CardCode",
    salesforce_object="Account",
    salesforce_external_id="SAP_CardCode__c",
    field_map=ACCOUNT_MAP,
    direction=Direction.BOTH,
    sap_filter="CardType eq 'cCustomer'",
)
