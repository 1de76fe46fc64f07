"""Lead conversion as an Apex REST endpoint (``POST /services/apexrest/b1hub/leadconvert``).

The REST API has no conversion call; orgs that need one deploy an Apex class wrapping
``Database.convertLead``, and this route is that class. The lead field mapping copies
company, person, address and ``SAP_CardCode__c`` (when free) to the new records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b1hub.sandbox.salesforce import ids
from b1hub.sandbox.salesforce.objects import LEAD_CONVERTED_STATUSES
from b1hub.sandbox.salesforce.org import Org, Rollback
from b1hub.sandbox.salesforce.results import ApiError, CallContext


def _error(code: str, message: str, fields: list[str] | None = None) -> JSONResponse:
    return JSONResponse([{"message": message, "errorCode": code, "fields": fields or []}],
                        status_code=400)


def _copy(lead: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    return {target: lead[source] for source, target in mapping.items()
            if lead.get(source) is not None}


ACCOUNT_MAP = {"Company": "Name", "Phone": "Phone", "Website": "Website",
               "Industry": "Industry", "Street": "BillingStreet", "City": "BillingCity",
               "State": "BillingState", "PostalCode": "BillingPostalCode",
               "Country": "BillingCountry", "CurrencyIsoCode": "CurrencyIsoCode"}
CONTACT_MAP = {"Salutation": "Salutation", "FirstName": "FirstName", "LastName": "LastName",
               "Email": "Email", "Phone": "Phone", "MobilePhone": "MobilePhone",
               "Title": "Title", "Street": "MailingStreet", "City": "MailingCity",
               "State": "MailingState", "PostalCode": "MailingPostalCode",
               "Country": "MailingCountry", "CurrencyIsoCode": "CurrencyIsoCode"}


class LeadConverter:
    def __init__(self, org: Org) -> None:
        self.org = org

    async def endpoint(self, request: Request) -> Response:
        ctx: CallContext = request.state.call_context
        try:
            body = await request.json()
        except ValueError:
            return _error("JSON_PARSER_ERROR", "Unexpected character in JSON input")
        if not isinstance(body, dict):
            return _error("JSON_PARSER_ERROR", "Expected a JSON object")
        lead_id = ids.normalize(str(body.get("leadId", "")))
        lead = self.org.fetch(lead_id) if lead_id and lead_id.startswith("00Q") else None
        if lead is None or lead.is_deleted:
            return _error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["leadId"])
        if lead.data.get("IsConverted"):
            return _error("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        status = body.get("convertedStatus") or LEAD_CONVERTED_STATUSES[0]
        if status not in LEAD_CONVERTED_STATUSES:
            return _error("INVALID_STATUS", f"invalid convertedStatus: {status}",
                          ["convertedStatus"])
        outcome: dict[str, Any] = {}
        error: ApiError | None = None
        try:
            with self.org.transaction():
                error = self._convert(lead.id, lead.data, body, str(status), ctx, outcome)
                if error is not None:
                    raise Rollback
        except Rollback:
            assert error is not None
            return _error(error.status_code, error.message, error.fields)
        return JSONResponse({"leadId": lead.id, **outcome, "success": True, "errors": []})

    def _existing(self, raw: object, prefix: str) -> str | None:
        rid = ids.normalize(str(raw)) if raw else None
        record = self.org.fetch(rid) if rid and rid.startswith(prefix) else None
        return record.id if record and not record.is_deleted else None

    def _convert(
        self,
        lead_id: str,
        lead: dict[str, Any],
        body: dict[str, Any],
        status: str,
        ctx: CallContext,
        outcome: dict[str, Any],
    ) -> ApiError | None:
        org = self.org
        if body.get("accountId"):
            account_id = self._existing(body["accountId"], "001")
            if account_id is None:
                return ApiError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                                ["accountId"])
        else:
            values = _copy(lead, ACCOUNT_MAP)
            code = lead.get("SAP_CardCode__c")
            if code and not org.find_by_external("Account", "SAP_CardCode__c", code):
                values["SAP_CardCode__c"] = code
            result = org.insert("Account", values, ctx)
            if not result.success:
                return result.errors[0]
            account_id = str(result.id)
        if body.get("contactId"):
            contact_id = self._existing(body["contactId"], "003")
            if contact_id is None:
                return ApiError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                                ["contactId"])
        else:
            result = org.insert("Contact", _copy(lead, CONTACT_MAP) | {"AccountId": account_id},
                                ctx)
            if not result.success:
                return result.errors[0]
            contact_id = str(result.id)
        opportunity_id: str | None = None
        if not body.get("doNotCreateOpportunity"):
            close = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
            result = org.insert("Opportunity", {
                "Name": body.get("opportunityName") or f"{lead.get('Company')}-",
                "StageName": "Prospecting", "CloseDate": close, "AccountId": account_id,
                "CurrencyIsoCode": lead.get("CurrencyIsoCode"),
            }, ctx)
            if not result.success:
                return result.errors[0]
            opportunity_id = result.id
        org.system_update(lead_id, {
            "IsConverted": True, "Status": status,
            "ConvertedDate": datetime.now(UTC).date().isoformat(),
            "ConvertedAccountId": account_id, "ConvertedContactId": contact_id,
            "ConvertedOpportunityId": opportunity_id,
        }, ctx)
        outcome.update(accountId=account_id, contactId=contact_id, opportunityId=opportunity_id)
        return None

