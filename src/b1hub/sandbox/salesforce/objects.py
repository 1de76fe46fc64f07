"""The standard sObjects of the sandbox org and the custom fields b1hub relies on.

Lengths, required fields and picklists follow the Salesforce object reference; the org is
multi-currency (USD, EUR, CAD), so every object carries ``CurrencyIsoCode``.
"""

from __future__ import annotations

from typing import Any

from b1hub.sandbox.salesforce.schema import FieldSchema, SchemaRegistry, SObjectSchema

CURRENCIES = ("USD", "EUR", "CAD")
CORPORATE_CURRENCY = "USD"
LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted")
LEAD_DEFAULT_STATUS = "Open - Not Contacted"
LEAD_CONVERTED_STATUSES = ("Closed - Converted",)
OPPORTUNITY_STAGES: dict[str, tuple[float, bool, bool]] = {
    # stage: (default probability, IsClosed, IsWon)
    "Prospecting": (10, False, False),
    "Qualification": (10, False, False),
    "Needs Analysis": (20, False, False),
    "Value Proposition": (50, False, False),
    "Id. Decision Makers": (60, False, False),
    "Perception Analysis": (70, False, False),
    "Proposal/Price Quote": (75, False, False),
    "Negotiation/Review": (90, False, False),
    "Closed Won": (100, True, True),
    "Closed Lost": (0, True, False),
}
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel",
                 "Channel Partner / Reseller", "Installation Partner", "Technology Partner",
                 "Partner", "Other")
INDUSTRIES = ("Agriculture", "Apparel", "Banking", "Chemicals", "Communications",
              "Construction", "Consulting", "Education", "Electronics", "Energy",
              "Engineering", "Finance", "Healthcare", "Hospitality", "Insurance",
              "Manufacturing", "Media", "Retail", "Technology", "Transportation", "Other")
PRODUCT_FAMILIES = ("Hardware", "Software", "Services", "Accessories", "Consumables")
QUOTE_STATUSES = ("Draft", "Needs Review", "In Review", "Approved", "Rejected", "Presented",
                  "Accepted", "Denied")
ORDER_STATUSES = ("Draft", "Activated")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")

READ_ONLY: dict[str, Any] = {"createable": False, "updateable": False}
INSERT_ONLY: dict[str, Any] = {"updateable": False}


def s(name: str, label: str, length: int = 255, **kw: Any) -> FieldSchema:
    return FieldSchema(name, label, "string", length=length, **kw)


def t(name: str, label: str, kind: str, **kw: Any) -> FieldSchema:
    lengths = {"textarea": 255, "email": 80, "phone": 40, "url": 255, "picklist": 255}
    kw.setdefault("length", lengths.get(kind, 0))
    if kind in ("currency", "double", "percent", "int"):
        kw.setdefault("precision", 18)
        kw.setdefault("scale", 2 if kind in ("currency", "percent") else 0)
    return FieldSchema(name, label, kind, **kw)


def pick(name: str, label: str, values: tuple[str, ...], restricted: bool = True,
         **kw: Any) -> FieldSchema:
    return FieldSchema(name, label, "picklist", length=255, picklist_values=values,
                       restricted_picklist=restricted, **kw)


def ref(name: str, label: str, to: str, rel: str, **kw: Any) -> FieldSchema:
    return FieldSchema(name, label, "reference", length=18, reference_to=(to,),
                       relationship_name=rel, **kw)


def ext(name: str, label: str, length: int) -> FieldSchema:
    return FieldSchema(name, label, "string", length=length, external_id=True, unique=True,
                       custom=True)


def address(prefix: str, label: str) -> list[FieldSchema]:
    return [
        t(f"{prefix}Street", f"{label} Street".strip(), "textarea"),
        s(f"{prefix}City", f"{label} City".strip(), 40),
        s(f"{prefix}State", f"{label} State/Province".strip(), 80),
        s(f"{prefix}PostalCode", f"{label} Zip/Postal Code".strip(), 20),
        s(f"{prefix}Country", f"{label} Country".strip(), 80),
    ]


def sync_fields() -> list[FieldSchema]:
    return [
        t("SAP_LastSync__c", "SAP Last Sync", "datetime", custom=True),
        s("SAP_SyncStatus__c", "SAP Sync Status", 255, custom=True),
    ]


def document_fields() -> list[FieldSchema]:
    return [
        ext("SAP_DocEntry__c", "SAP DocEntry", 20),
        s("SAP_DocNum__c", "SAP DocNum", 20, custom=True),
        s("SAP_Status__c", "SAP Status", 40, custom=True),
        t("SAP_DocTotal__c", "SAP Document Total", "currency", custom=True),
    ]


def system_fields(owner: bool) -> list[FieldSchema]:
    fields = [
        FieldSchema("Id", "Record ID", "id", length=18, nillable=False, **READ_ONLY),
        t("IsDeleted", "Deleted", "boolean", nillable=False, **READ_ONLY),
        t("CreatedDate", "Created Date", "datetime", nillable=False, **READ_ONLY),
        ref("CreatedById", "Created By ID", "User", "CreatedBy", nillable=False, **READ_ONLY),
        t("LastModifiedDate", "Last Modified Date", "datetime", nillable=False, **READ_ONLY),
        ref("LastModifiedById", "Last Modified By ID", "User", "LastModifiedBy", nillable=False,
            **READ_ONLY),
        t("SystemModstamp", "System Modstamp", "datetime", nillable=False, **READ_ONLY),
        s("LastModifiedByClient", "Last Modified By Client", 255, hidden=True, **READ_ONLY),
        pick("CurrencyIsoCode", "Currency ISO Code", CURRENCIES, nillable=False,
             default=CORPORATE_CURRENCY),
    ]
    if owner:
        fields.append(ref("OwnerId", "Owner ID", "User", "Owner", nillable=False,
                          default="$user"))
    return fields


def name_fields() -> list[FieldSchema]:
    return [
        pick("Salutation", "Salutation", SALUTATIONS, restricted=False),
        s("FirstName", "First Name", 40),
        s("LastName", "Last Name", 80, nillable=False),
        s("Name", "Full Name", 121, calculated=True, **READ_ONLY),
    ]


def _obj(name: str, label: str, plural: str, prefix: str, fields: list[FieldSchema],
         owner: bool = True) -> SObjectSchema:
    all_fields = system_fields(owner) + fields
    return SObjectSchema(name, label, prefix, {f.name: f for f in all_fields}, plural)


def standard_objects() -> list[SObjectSchema]:
    return [
        _obj("Account", "Account", "Accounts", "001", [
            s("Name", "Account Name", 255, nillable=False),
            s("AccountNumber", "Account Number", 40),
            pick("Type", "Account Type", ACCOUNT_TYPES),
            pick("Industry", "Industry", INDUSTRIES, restricted=False),
            t("Phone", "Account Phone", "phone"), t("Fax", "Account Fax", "phone"),
            t("Website", "Website", "url"),
            t("Description", "Account Description", "textarea", length=32000),
            t("AnnualRevenue", "Annual Revenue", "currency", scale=0),
            t("NumberOfEmployees", "Employees", "int", precision=8),
            ref("ParentId", "Parent Account ID", "Account", "Parent"),
            *address("Billing", "Billing"), *address("Shipping", "Shipping"),
            t("Email__c", "Email", "email", custom=True),
            s("Tax_ID__c", "Tax ID", 32, custom=True),
            ext("SAP_CardCode__c", "SAP CardCode", 15), *sync_fields(),
        ]),
        _obj("Contact", "Contact", "Contacts", "003", [
            *name_fields(),
            ref("AccountId", "Account ID", "Account", "Account"),
            t("Email", "Email", "email"), t("Phone", "Business Phone", "phone"),
            t("MobilePhone", "Mobile Phone", "phone"), t("Fax", "Business Fax", "phone"),
            s("Title", "Title", 128), s("Department", "Department", 80),
            *address("Mailing", "Mailing"),
            t("Description", "Contact Description", "textarea", length=32000),
            t("Active__c", "Active", "boolean", custom=True, nillable=False, default=True),
            ext("SAP_ContactKey__c", "SAP Contact Key", 40), *sync_fields(),
        ]),
        _obj("Lead", "Lead", "Leads", "00Q", [
            *name_fields(),
            s("Company", "Company", 255, nillable=False), s("Title", "Title", 128),
            t("Email", "Email", "email"), t("Phone", "Phone", "phone"),
            t("MobilePhone", "Mobile Phone", "phone"), t("Website", "Website", "url"),
            pick("Status", "Lead Status", LEAD_STATUSES, nillable=False,
                 default=LEAD_DEFAULT_STATUS),
            pick("LeadSource", "Lead Source", LEAD_SOURCES, restricted=False),
            pick("Industry", "Industry", INDUSTRIES, restricted=False),
            *address("", ""),
            t("Description", "Description", "textarea", length=32000),
            t("IsConverted", "Converted", "boolean", nillable=False, **READ_ONLY),
            t("ConvertedDate", "Converted Date", "date", **READ_ONLY),
            ref("ConvertedAccountId", "Converted Account ID", "Account", "ConvertedAccount",
                **READ_ONLY),
            ref("ConvertedContactId", "Converted Contact ID", "Contact", "ConvertedContact",
                **READ_ONLY),
            ref("ConvertedOpportunityId", "Converted Opportunity ID", "Opportunity",
                "ConvertedOpportunity", **READ_ONLY),
            ext("SAP_CardCode__c", "SAP CardCode", 15), *sync_fields(),
        ]),
        _obj("Opportunity", "Opportunity", "Opportunities", "006", [
            s("Name", "Name", 120, nillable=False),
            ref("AccountId", "Account ID", "Account", "Account"),
            pick("StageName", "Stage", tuple(OPPORTUNITY_STAGES), nillable=False),
            t("CloseDate", "Close Date", "date", nillable=False),
            t("Amount", "Amount", "currency"),
            t("Probability", "Probability (%)", "percent", precision=3, scale=0),
            t("IsClosed", "Closed", "boolean", nillable=False, **READ_ONLY),
            t("IsWon", "Won", "boolean", nillable=False, **READ_ONLY),
            pick("Type", "Opportunity Type", ("Existing Business", "New Business"),
                 restricted=False),
            pick("LeadSource", "Lead Source", LEAD_SOURCES, restricted=False),
            s("NextStep", "Next Step", 255),
            t("Description", "Description", "textarea", length=32000),
            ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2"),
            FieldSchema("SAP_SequentialNo__c", "SAP Sequential No", "string", length=20,
                        external_id=True, unique=True, custom=True),
            *sync_fields(),
        ]),
        _obj("Product2", "Product", "Products", "01t", [
            s("Name", "Product Name", 255, nillable=False),
            s("ProductCode", "Product Code", 255),
            t("Description", "Product Description", "textarea", length=4000),
            t("IsActive", "Active", "boolean", nillable=False, default=False),
            pick("Family", "Product Family", PRODUCT_FAMILIES, restricted=False),
            s("StockKeepingUnit", "Product SKU", 180),
            s("QuantityUnitOfMeasure", "Quantity Unit Of Measure", 255),
            ext("SAP_ItemCode__c", "SAP ItemCode", 50), *sync_fields(),
        ], owner=False),
        _obj("Pricebook2", "Price Book", "Price Books", "01s", [
            s("Name", "Price Book Name", 255, nillable=False),
            t("IsActive", "Active", "boolean", nillable=False, default=False),
            t("IsStandard", "Is Standard Price Book", "boolean", nillable=False, **READ_ONLY),
            s("Description", "Description", 255),
        ], owner=False),
        _obj("PricebookEntry", "Price Book Entry", "Price Book Entries", "01u", [
            s("Name", "Product Name", 255, calculated=True, **READ_ONLY),
            ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", nillable=False,
                **INSERT_ONLY),
            ref("Product2Id", "Product ID", "Product2", "Product2", nillable=False,
                **INSERT_ONLY),
            t("UnitPrice", "List Price", "currency", nillable=False),
            t("IsActive", "Active", "boolean", nillable=False, default=False),
            t("UseStandardPrice", "Use Standard Price", "boolean", nillable=False,
              default=False),
            s("ProductCode", "Product Code", 255, calculated=True, **READ_ONLY),
            ext("SAP_PriceKey__c", "SAP Price Key", 80),
        ], owner=False),
        _obj("Quote", "Quote", "Quotes", "0Q0", [
            s("Name", "Quote Name", 255, nillable=False),
            ref("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity",
                nillable=False, **INSERT_ONLY),
            ref("AccountId", "Account ID", "Account", "Account", **READ_ONLY),
            ref("ContactId", "Contact ID", "Contact", "Contact"),
            ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2"),
            s("QuoteNumber", "Quote Number", 30, auto_number=True, **READ_ONLY),
            pick("Status", "Status", QUOTE_STATUSES, nillable=False, default="Draft"),
            t("ExpirationDate", "Expiration Date", "date"),
            t("Description", "Description", "textarea", length=32000),
            t("Email", "Email", "email"), t("Phone", "Phone", "phone"),
            t("TotalPrice", "Total Price", "currency", calculated=True, **READ_ONLY),
            t("ShippingHandling", "Shipping and Handling", "currency"),
            t("Tax", "Tax", "currency"),
            t("GrandTotal", "Grand Total", "currency", calculated=True, **READ_ONLY),
            *address("Billing", "Bill To"), *address("Shipping", "Ship To"),
            *document_fields(), *sync_fields(),
        ]),
        _obj("QuoteLineItem", "Quote Line Item", "Quote Line Items", "0QL", [
            ref("QuoteId", "Quote ID", "Quote", "Quote", nillable=False, **INSERT_ONLY),
            ref("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry",
                nillable=False, **INSERT_ONLY),
            ref("Product2Id", "Product ID", "Product2", "Product2", **READ_ONLY),
            s("LineNumber", "Line Item Number", 255, auto_number=True, **READ_ONLY),
            t("Quantity", "Quantity", "double", nillable=False, scale=2),
            t("UnitPrice", "Sales Price", "currency", nillable=False),
            t("Discount", "Discount", "percent"),
            t("ListPrice", "List Price", "currency", **READ_ONLY),
            t("TotalPrice", "Total Price", "currency", calculated=True, **READ_ONLY),
            s("Description", "Line Item Description", 255),
        ], owner=False),
        _obj("OpportunityLineItem", "Opportunity Product", "Opportunity Product", "00k", [
            ref("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity",
                nillable=False, **INSERT_ONLY),
            ref("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry",
                nillable=False, **INSERT_ONLY),
            ref("Product2Id", "Product ID", "Product2", "Product2", **READ_ONLY),
            s("ProductCode", "Product Code", 255, calculated=True, **READ_ONLY),
            t("Quantity", "Quantity", "double", nillable=False, scale=2),
            t("UnitPrice", "Sales Price", "currency"),
            t("Discount", "Discount", "percent"),
            t("ListPrice", "List Price", "currency", **READ_ONLY),
            t("TotalPrice", "Total Price", "currency"),
            t("ServiceDate", "Date", "date"),
            s("Description", "Line Description", 255),
        ], owner=False),
        _obj("Order", "Order", "Orders", "801", [
            ref("AccountId", "Account ID", "Account", "Account", nillable=False),
            t("EffectiveDate", "Order Start Date", "date", nillable=False),
            t("EndDate", "Order End Date", "date"),
            pick("Status", "Status", ORDER_STATUSES, nillable=False, default="Draft"),
            ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2"),
            ref("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity"),
            ref("QuoteId", "Quote ID", "Quote", "Quote"),
            s("OrderNumber", "Order Number", 30, auto_number=True, **READ_ONLY),
            s("PoNumber", "PO Number", 80),
            pick("Type", "Order Type", ("Standard", "Return"), restricted=False),
            t("Description", "Description", "textarea", length=32000),
            t("TotalAmount", "Order Amount", "currency", calculated=True, **READ_ONLY),
            t("Shipping__c", "Shipping", "currency", custom=True),
            *address("Billing", "Billing"), *address("Shipping", "Shipping"),
            *document_fields(), *sync_fields(),
        ]),
        _obj("OrderItem", "Order Product", "Order Products", "802", [
            ref("OrderId", "Order ID", "Order", "Order", nillable=False, **INSERT_ONLY),
            ref("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry",
                nillable=False, **INSERT_ONLY),
            ref("Product2Id", "Product ID", "Product2", "Product2", **READ_ONLY),
            s("OrderItemNumber", "Order Product Number", 10, auto_number=True, **READ_ONLY),
            t("Quantity", "Quantity", "double", nillable=False, scale=2),
            t("UnitPrice", "Unit Price", "currency", nillable=False),
            t("ListPrice", "List Price", "currency", **READ_ONLY),
            t("TotalPrice", "Total Price", "currency", calculated=True, **READ_ONLY),
            t("ServiceDate", "Start Date", "date"),
            s("Description", "Line Description", 255),
        ], owner=False),
        _obj("User", "User", "Users", "005", [
            s("Username", "Username", 80, nillable=False, unique=True),
            s("FirstName", "First Name", 40), s("LastName", "Last Name", 80, nillable=False),
            s("Name", "Full Name", 121, calculated=True, **READ_ONLY),
            t("Email", "Email", "email", nillable=False),
            s("Alias", "Alias", 8, nillable=False),
            t("IsActive", "Active", "boolean", nillable=False, default=True),
            s("Title", "Title", 80), s("Department", "Department", 80),
        ], owner=False),
    ]


def standard_registry() -> SchemaRegistry:
    return SchemaRegistry(standard_objects())
