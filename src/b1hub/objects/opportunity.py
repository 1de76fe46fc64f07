"""Salesforce Opportunity → SAP sales opportunity; SAP sold/missed back as the stage.

The stage and the owner translate through the value maps ``opportunity_stages``
(StageName → SalesStages.SequenceNo) and ``sales_persons`` (owner's username →
SalesEmployeeCode, else the ``default_sales_person`` setting); extend them with
``b1hub mapping values``. Further fields (``Remarks``, ``U_*`` UDFs of OOPR...) are
added with ``b1hub mapping set opportunity``; the partner stays the linked account's.
"""

from __future__ import annotations

from typing import Any

from b1hub.mapping.fields import Direction, ObjectMap
from b1hub.objects.spec import ObjectSpec


def opportunity_passes(ctx: Any, direction: Direction, sap_keys: set[str] | None,
                       sf_ids: set[str] | None) -> None:
    from b1hub.sync.opportunities import run_opportunities

    run_opportunities(ctx, direction, sap_keys, sf_ids)


OPPORTUNITY = ObjectSpec(
    name="opportunity",
    sap_entity="SalesOpportunities",
    sap_key="SequentialNo",
    salesforce_object="Opportunity",
    salesforce_external_id="SAP_SequentialNo__c",
    field_map=ObjectMap(fields=()),
    direction=Direction.SALESFORCE_TO_SAP,
    depends_on=("account",),
    requires_initialization=False,
    passes=opportunity_passes,
)
