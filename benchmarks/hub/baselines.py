"""The baselines b1hub is compared with, each run as its own child process.

* ``bare``: the least any tool must do: read the customers from the Service Layer in
  large pages and send them to Salesforce as upserts on ``SAP_CardCode__c``, either as
  sObject Collections of 200 or as one Bulk API 2.0 job; a field rename, no store, no
  bookkeeping, no write-back.
* ``naive``: how many in-house integrations are written: simple-salesforce, one
  ``sf.Account.upsert('SAP_CardCode__c/<code>', data)`` call per record.

Prints ``{"records": N, "failed": F}`` as JSON.

    python -m benchmarks.hub.baselines bare --sandbox DIR/sandbox.json --via bulk
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import ssl
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceError

HEADER = {"CardName": "Name", "CardCode": "AccountNumber", "Phone1": "Phone", "Fax": "Fax",
          "EmailAddress": "Email__c", "Website": "Website", "FederalTaxID": "Tax_ID__c",
          "Notes": "Description"}
ADDRESS = {"Street": "Street", "City": "City", "ZipCode": "PostalCode", "State": "State"}
ADDRESS_TYPES = {"bo_BillTo": "Billing", "bo_ShipTo": "Shipping"}
CUSTOMERS = "CardType eq 'cCustomer'"
COLLECTION = 200


def account(bp: dict[str, Any]) -> dict[str, Any]:
    """Rename the partner's fields to the Account's (first address of each type)."""
    row = {sf: bp.get(sap) for sap, sf in HEADER.items()}
    row["SAP_CardCode__c"] = bp["CardCode"]
    for address in reversed(bp.get("BPAddresses") or []):
        prefix = ADDRESS_TYPES.get(address.get("AddressType", ""))
        if prefix:
            row.update({prefix + sf: address.get(sap) for sap, sf in ADDRESS.items()})
    return row


def partners(info: dict[str, Any], page_size: int | None, limit: int | None) -> Iterator[
        dict[str, Any]]:
    """Customers from the Service Layer, following ``odata.nextLink``."""
    sl = info["service_layer"]
    verify = ssl.create_default_context(cafile=sl["ca_cert"])
    base = sl["url"].rstrip("/") + "/"
    with httpx.Client(base_url=base, verify=verify, timeout=600) as http:
        http.post("Login", json={"CompanyDB": sl["company_db"], "UserName": sl["username"],
                                 "Password": sl["password"]}).raise_for_status()
        headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else {}
        select = ",".join([*HEADER, "BPAddresses"])
        url: str | None = f"BusinessPartners?$select={select}&$filter={CUSTOMERS}"
        sent = 0
        while url:
            page = http.get(url, headers=headers)
            page.raise_for_status()
            body = page.json()
            for bp in body["value"]:
                if limit is not None and sent >= limit:
                    return
                sent += 1
                yield bp
            url = body.get("odata.nextLink") or body.get("@odata.nextLink")
        http.post("Logout")


def salesforce(info: dict[str, Any]) -> httpx.Client:
    sf = info["salesforce"]
    http = httpx.Client(base_url=f"{sf['instance_url']}/services/data/v{sf['api_version']}/",
                        verify=ssl.create_default_context(cafile=sf["ca_cert"]), timeout=600)
    token = http.post(f"{sf['instance_url']}/services/oauth2/token", data={
        "grant_type": "password", "client_id": sf["client_id"],
        "client_secret": sf["client_secret"], "username": sf["username"],
        "password": sf["password"] + sf["security_token"]})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def bare_collections(info: dict[str, Any]) -> dict[str, int]:
    records = failed = 0
    batch: list[dict[str, Any]] = []
    with closing(salesforce(info)) as http:
        def send() -> int:
            body = {"allOrNone": False, "records": [
                {"attributes": {"type": "Account"}, **r} for r in batch]}
            response = http.patch("composite/sobjects/Account/SAP_CardCode__c", json=body)
            response.raise_for_status()
            return sum(1 for r in response.json() if not r["success"])

        for bp in partners(info, 5000, None):
            batch.append(account(bp))
            records += 1
            if len(batch) == COLLECTION:
                failed += send()
                batch = []
        if batch:
            failed += send()
    return {"records": records, "failed": failed}


def bare_bulk(info: dict[str, Any]) -> dict[str, int]:
    columns = [*HEADER.values(), "SAP_CardCode__c",
               *(p + f for p in ADDRESS_TYPES.values() for f in ADDRESS.values())]
    text = io.StringIO()
    writer = csv.DictWriter(text, columns, lineterminator="\n")
    writer.writeheader()
    records = 0
    for bp in partners(info, 5000, None):
        writer.writerow({k: "#N/A" if v is None else v for k, v in account(bp).items()})
        records += 1
    with closing(salesforce(info)) as http:
        job = http.post("jobs/ingest", json={
            "object": "Account", "operation": "upsert", "externalIdFieldName": "SAP_CardCode__c",
            "contentType": "CSV", "lineEnding": "LF"})
        job.raise_for_status()
        job_id = job.json()["id"]
        http.put(f"jobs/ingest/{job_id}/batches", content=text.getvalue().encode(),
                 headers={"Content-Type": "text/csv"}).raise_for_status()
        http.patch(f"jobs/ingest/{job_id}", json={"state": "UploadComplete"}).raise_for_status()
        while True:
            time.sleep(0.25)
            state = http.get(f"jobs/ingest/{job_id}").json()
            if state["state"] in ("JobComplete", "Failed", "Aborted"):
                break
    return {"records": records, "failed": int(state.get("numberRecordsFailed", 0))}


def naive(info: dict[str, Any], limit: int) -> dict[str, int]:
    sf = info["salesforce"]
    with requests.Session() as session:
        session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
        session.verify = sf["ca_cert"]
        session_id, _ = SalesforceLogin(username=sf["username"], password=sf["password"],
                                        security_token=sf["security_token"],
                                        scratch_url=sf["instance_url"], session=session)
        client = Salesforce(instance_url=sf["instance_url"], session_id=session_id,
                            session=session)
        records = failed = 0
        for bp in partners(info, None, limit):
            data = account(bp)
            code = data.pop("SAP_CardCode__c")
            try:
                client.Account.upsert(f"SAP_CardCode__c/{code}", data)
            except SalesforceError:
                failed += 1
            records += 1
    return {"records": records, "failed": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["bare", "naive"])
    parser.add_argument("--sandbox", type=Path, required=True, help="sandbox.json")
    parser.add_argument("--via", choices=["collections", "bulk"], default="collections")
    parser.add_argument("--limit", type=int, default=5000, help="naive: records to send")
    args = parser.parse_args()
    info = json.loads(args.sandbox.read_text())
    if args.kind == "naive":
        result = naive(info, args.limit)
    else:
        result = bare_bulk(info) if args.via == "bulk" else bare_collections(info)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
