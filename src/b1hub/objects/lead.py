"""Lead ⇄ SAP business partner of type lead (``CardType = cLid``), both ways, add and
update, plus conversion both ways (see :mod:`b1hub.sync.conversion`).

First and last name live on the lead's first contact person in SAP; a lead without one
takes them from a split of its name. ``Status`` and ``LeadSource`` have no SAP field:
they are set when a lead is created in Salesforce and otherwise left to Salesforce.
"""

from __future__ import annotations

from b1hub.mapping.fields import Direction, FieldMap, ObjectMap
from b1hub.objects.spec import ObjectSpec
from b1hub.sync.leads_run import run_leads

BILL = "BPAddresses[AddressType=bo_BillTo]"

LEAD_MAP = ObjectMap(
    fields=(
        FieldMap("company", "CardName", "Company", required=True),
        FieldMap("first_name", "_FirstName", "FirstName"),
        FieldMap("last_name", "_LastName", "LastName", required=True),
        FieldMap("email", "EmailAddress", "Email"),
        FieldMap("phone", "Phone1", "Phone"),
        FieldMap("mobile", "Cellular", "MobilePhone"),
        FieldMap("street", f"{BILL}.Street", "Street"),
        FieldMap("city", f"{BILL}.City", "City"),
        FieldMap("postal_code", f"{BILL}.ZipCode", "PostalCode"),
        FieldMap("state", f"{BILL}.State", "State"),
        FieldMap("country", f"{BILL}.Country", "Country", value_map="countries"),
    )
)

NEW_LEAD_DEFAULTS = {"Status": "Open - Not Contacted", "LeadSource": "Other"}
"""Salesforce-only fields of a lead created from SAP."""

LEAD = ObjectSpec(
    name="lead",
    sap_entity="BusinessPartners",
    sap_key="CardCode",
    salesforce_object="Lead",
    salesforce_external_id="SAP_CardCode__c",
    field_map=LEAD_MAP,
    direction=Direction.BOTH,
    depends_on=("account", "contact"),
    sap_filter="CardType eq 'cLid'",
    passes=run_leads,
)
