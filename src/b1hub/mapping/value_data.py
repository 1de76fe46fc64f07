"""The default contents of the value maps, as plain ``(SAP code, Salesforce value)`` pairs.

Every list is a starting point: a company extends it with ``b1hub mapping values NAME
--add SAP=Salesforce``. A code listed twice maps several Salesforce spellings onto it;
the first one is what the hub writes to Salesforce.
"""

from __future__ import annotations

Pairs = tuple[tuple[str, str], ...]

COUNTRIES: Pairs = (
    ("US", "United States"), ("US", "USA"), ("CA", "Canada"), ("DE", "Germany"),
    ("FR", "France"), ("GB", "United Kingdom"), ("ES", "Spain"), ("IT", "Italy"),
    ("NL", "Netherlands"), ("BE", "Belgium"), ("CH", "Switzerland"), ("AT", "Austria"),
    ("MX", "Mexico"), ("BR", "Brazil"), ("AU", "Australia"), ("JP", "Japan"),
    ("CN", "China"), ("IN", "India"), ("IE", "Ireland"), ("PL", "Poland"),
    ("SE", "Sweden"), ("NO", "Norway"), ("DK", "Denmark"), ("FI", "Finland"),
    ("PT", "Portugal"), ("ZA", "South Africa"), ("SG", "Singapore"), ("NZ", "New Zealand"),
)

# ISO 3166-2 subdivision codes as SAP stores them (OCST.Code) for the US and Canada, and
# the German Länder the seed company uses.
STATES: Pairs = (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"),
    ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"),
    ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"),
    ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"),
    ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ("AB", "Alberta"), ("BC", "British Columbia"), ("MB", "Manitoba"),
    ("NB", "New Brunswick"), ("NL", "Newfoundland and Labrador"), ("NS", "Nova Scotia"),
    ("NT", "Northwest Territories"), ("NU", "Nunavut"), ("ON", "Ontario"),
    ("PE", "Prince Edward Island"), ("QC", "Quebec"), ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
    ("BY", "Bavaria"), ("BE", "Berlin"), ("HH", "Hamburg"), ("NW", "North Rhine-Westphalia"),
)

# SAP business partner type (CardType) <-> Salesforce Account.Type.
ACCOUNT_TYPES: Pairs = (
    ("cCustomer", "Customer - Direct"), ("cCustomer", "Customer - Channel"),
    ("cLid", "Prospect"), ("cSupplier", "Other"),
)

# SAP lead status (a one-letter code on the lead business partner) <-> Lead.Status.
LEAD_STATUSES: Pairs = (
    ("O", "Open - Not Contacted"), ("W", "Working - Contacted"),
    ("C", "Closed - Converted"), ("N", "Closed - Not Converted"),
)

# SAP information source (OOSR.Num) <-> Lead.LeadSource / Opportunity.LeadSource.
LEAD_SOURCES: Pairs = (
    ("1", "Web"), ("2", "Phone Inquiry"), ("3", "Partner Referral"),
    ("4", "Purchased List"), ("5", "Other"),
)

# SAP sales stage (SalesStages.SequenceNo) <-> Opportunity.StageName.
OPPORTUNITY_STAGES: Pairs = (
    ("1", "Prospecting"), ("1", "Qualification"), ("2", "Needs Analysis"),
    ("2", "Value Proposition"), ("2", "Id. Decision Makers"), ("2", "Perception Analysis"),
    ("3", "Proposal/Price Quote"), ("4", "Negotiation/Review"), ("5", "Closed Won"),
)

# SAP payment terms group (PayTermsGrpCode) <-> a Salesforce payment terms picklist.
PAYMENT_TERMS: Pairs = (
    ("-1", "Cash Basic"), ("1", "Net 30"), ("2", "Net 60"), ("3", "Net 15"),
    ("4", "Due on Receipt"),
)

# SAP sales employee (SalesEmployeeCode) <-> Salesforce owner (User.Username).
SALES_PERSONS: Pairs = (
    ("1", "jane.carter@b1hub.sandbox"), ("2", "luis.moreno@b1hub.sandbox"),
    ("3", "akira.tanaka@b1hub.sandbox"), ("4", "fatima.okafor@b1hub.sandbox"),
    ("5", "marek.nowak@b1hub.sandbox"),
)

DEFAULTS: dict[str, Pairs] = {
    "countries": COUNTRIES, "states": STATES, "account_types": ACCOUNT_TYPES,
    "lead_statuses": LEAD_STATUSES, "lead_sources": LEAD_SOURCES,
    "opportunity_stages": OPPORTUNITY_STAGES, "payment_terms": PAYMENT_TERMS,
    "sales_persons": SALES_PERSONS,
}
