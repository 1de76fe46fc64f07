"""Contact ⇄ SAP contact person (``ContactEmployees`` of a business partner linked as an
account), both ways, add and update.

A contact person has no key of its own across systems: the link key is
``CardCode:InternalCode`` (``Contact.SAP_ContactKey__c`` in Salesforce), so renaming a
contact person never re-creates it. Field paths on the SAP side are relative to the member.
"""

from __future__ import annotations

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.objects.spec import ObjectSpec
from b1hub.sync.contacts_run import run_contacts

CONTACT_MAP = ObjectMap(
    fields=(
        FieldMap("first_name", "FirstName", "FirstName"),
        FieldMap("last_name", "LastName", "LastName", required=True),
        FieldMap("position", "Position", "Title"),
        FieldMap("phone", "Phone1", "Phone"),
        FieldMap("mobile", "MobilePhone", "MobilePhone"),
        FieldMap("email", "E_Mail", "Email"),
        FieldMap("active", "Active", "Active__c", transform="yes_no"),
    )
)


CONTACT = ObjectSpec(
    name="contact",
    sap_entity="BusinessPartners",
    sap_key="CardCode",
    salesforce_object="Contact",
    salesforce_external_id="SAP_ContactKey__c",
    field_map=CONTACT_MAP,
    direction=Direction.BOTH,
    depends_on=("account",),
    sap_filter="CardType eq 'cCustomer'",
    passes=run_contacts,
)
