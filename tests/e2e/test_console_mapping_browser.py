"""Issue 10's console pages and issue 9's held matches in a real browser against `b1hub
serve` and both sandboxes: map a UDF (an incompatible one is refused with the reason on
the page), link records with the Master Data Mapping Tool (download the template, upload
it with a bad row, see the reason, upload it fixed, see the rows linked), then initialize
and resolve the ambiguous match it holds. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect
from test_console_browser import (  # noqa: F401 (fixtures)
    ACCOUNT_TYPE,
    ADMIN_PASSWORD,
    _admin_client,
    _sap_admin,
    _shot,
    browser,
    console,
)

from b1hub.connectors.outcomes import Success
from b1hub.hub import Hub
from b1hub.objects.udfs import create_udfs
from b1hub.store.repositories import SALESFORCE_CONNECTOR, SelectionEntry


def _prepare(hub: Hub, info: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """A UDF and two custom fields; the connector active, customers marked; twins in
    Salesforce for one customer. Returns unique customer name -> CardCode, and the twins."""
    sap = _sap_admin(info)
    sf = _admin_client(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"])
    try:
        made = sap.post("/UserFieldsMD", json={"Name": "Region", "Type": "db_Alpha",
                                               "Size": 50, "TableName": "OCRD"})
        assert made.status_code == 201, made.text
        for name, length in (("Region__c", 50), ("Region_Short__c", 10)):
            added = sf.post("/_sandbox/fields", json={"sobject": "Account", "name": name,
                                                      "type": "string", "length": length})
            assert added.status_code == 201, added.text
    finally:
        sap.close()
        sf.close()
    with hub.service_layer() as sl:
        create_udfs(sl)
        partners = [r for page in sl.iter_pages(
            "BusinessPartners", select=["CardCode", "CardName", "CardType", "Phone1"])
            if isinstance(page, list) for r in page]
    customers = [p for p in partners if p["CardType"] == "cCustomer"]
    names = Counter(p["CardName"] for p in partners)
    with hub.salesforce() as sf_client:
        accounts = [r for page in sf_client.query("SELECT Id, Name FROM Account")
                    if isinstance(page, list) for r in page]
        in_salesforce = {a["Name"] for a in accounts}
        lonely = next(p for p in customers
                      if p["Phone1"] and p["CardName"] not in in_salesforce)
        twins = []
        for city in ("Twin Falls", "Twinsburg"):
            made_twin = sf_client.create("Account", {
                "Name": lonely["CardName"], "Phone": lonely["Phone1"], "Type": ACCOUNT_TYPE,
                "BillingCity": city}, city)
            assert isinstance(made_twin, Success) and made_twin.remote_id, made_twin
            twins.append(made_twin.remote_id)
    with hub.repos() as repos:
        repos.features.set_active(SALESFORCE_CONNECTOR, True)
        repos.settings.set("account_types", [ACCOUNT_TYPE])
        repos.selections.mark("account", [SelectionEntry(c["CardCode"], ACCOUNT_TYPE)
                                          for c in [*customers[:8], lonely]])
    return {p["CardName"]: p["CardCode"] for p in customers if names[p["CardName"]] == 1}, twins


def test_mapping_pages_and_held_match_in_the_browser(
    console: dict[str, Any], browser: Browser, tmp_path: Path  # noqa: F811 (fixtures)
) -> None:
    url, hub = console["url"], console["hub"]
    by_name, twins = _prepare(hub, console["sandbox"].info)
    page = browser.new_page(accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Dashboard")

    # UDF integration: retrieve, an incompatible mapping refused with its reason, then mapped.
    page.goto(f"{url}/udfs/account")
    page.locator("button", has_text="Retrieve custom fields").click()
    expect(page.locator("#sap-fields")).to_contain_text("U_Region")
    page.fill("#udf-form input[name=udf]", "U_Region")
    page.fill("#udf-form input[name=field]", "Region_Short__c")
    page.locator("#udf-form button").click()
    expect(page.locator("#udf-error")).to_contain_text("text 50 to text 10 would cut values")
    _shot(page, "20-udf-refused")
    page.fill("#udf-form input[name=field]", "Region__c")
    page.locator("#udf-form button").click()
    expect(page.locator("#mapped-udfs tr[data-sap=U_Region]")).to_contain_text("Region__c")
    _shot(page, "21-udf-mapped")
    page.goto(f"{url}/mappings/account")
    expect(page.locator("#field-map tr[data-field=U_Region]")).to_contain_text("user")
    expect(page.locator("#map-history")).to_contain_text("U_Region → Region__c")
    _shot(page, "22-field-mappings")
    page.goto(f"{url}/value-maps")
    _shot(page, "23-value-maps")

    # Master Data Mapping Tool: download, fill, upload with a bad row, then fixed.
    page.goto(f"{url}/link-tool")
    with page.expect_download() as waiting:
        page.locator("tr[data-kind=account] a", has_text="CSV").click()
    template = tmp_path / "accounts.csv"
    waiting.value.save_as(template)
    header, *rows = list(csv.reader(template.open(newline="")))
    assert header[-1] == "CardCode"
    pairable = [r for r in rows if r[2] in by_name]
    assert len(pairable) >= 3
    chosen = [[*r[:-1], by_name[r[2]]] for r in pairable[:2]]
    bad = tmp_path / "accounts-bad.csv"
    with bad.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *chosen, [*pairable[2][:-1], "NOPE"]])
    page.set_input_files("input[name=file]", str(bad))
    page.locator("#upload-form button").click()
    expect(page.locator("#upload-report")).to_have_attribute("data-applied", "no")
    expect(page.locator("#upload-report")).to_contain_text("no SAP business partner NOPE")
    _shot(page, "24-mapping-tool-refused")
    fixed = tmp_path / "accounts-fixed.csv"
    with fixed.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *chosen])
    page.set_input_files("input[name=file]", str(fixed))
    page.locator("#upload-form button").click()
    expect(page.locator("#upload-report")).to_have_attribute("data-applied", "yes")
    expect(page.locator("#count-linked")).to_have_text("2")
    _shot(page, "25-mapping-tool-linked")
    with hub.repos() as repos:
        links = repos.links.by_sf_ids("account", [r[1] for r in chosen])
    assert {k: v.sap_key for k, v in links.items()} == {r[1]: r[-1] for r in chosen}

    # Initialize: the twins make an ambiguous match, held; link it to the first twin.
    page.goto(f"{url}/initialization")
    page.locator("tr[data-object=account] button", has_text="Initialize").click()
    expect(page.locator("[data-job=initialize-account]")).to_have_attribute(
        "data-state", "done", timeout=120_000)
    page.reload()
    held = page.locator("section.held[data-object=account]")
    expect(held).to_have_count(1)
    sap_key = held.get_attribute("data-key")
    _shot(page, "26-held-match")
    held.locator(f'input[value="{twins[0]}"]').check()
    held.locator("button", has_text="Link the chosen record").click()
    expect(page.locator(".flash").first).to_contain_text(
        f"account SAP {sap_key} linked to Salesforce {twins[0]}")
    expect(page.locator("section.held")).to_have_count(0)
    _shot(page, "27-held-match-resolved")
    with hub.repos() as repos:
        link = repos.links.by_sap_key("account", str(sap_key))
        assert link is not None and link.sf_id == twins[0]
        assert not [o for o in repos.outcomes.open_errors("account")
                    if o.sap_key == sap_key and o.status.value == "held"]
    assert not [e for e in errors if "Content Security Policy" in e], errors
