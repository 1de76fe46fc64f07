"""The console in a real browser (Debian's Chromium, driven by Playwright) against a real
`b1hub serve` (console + embedded runner) and both sandboxes: log in, activate, mark
customers and items through the selection windows, initialize, Sync Now and watch the run
finish, change a schedule and see its next run, then break a record in Salesforce, see the
error, fix the data, retry, and see it succeed. Screenshots of every page go to
artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.types import Role
from b1hub.web.services import accounts

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ADMIN_PASSWORD = "browser-admin-Pass-1"
ACCOUNT_TYPE = "Customer - Direct"
BLOCKED_PHONE = "555-0199"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both sandboxes, a connected store with an admin, and `b1hub serve` over it."""
    tmp = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "B1HUB_HOME": str(tmp / "home")}
    env.pop("B1HUB_DATABASE_URL", None)
    with pytest.MonkeyPatch.context() as patch, SandboxProcess(tmp / "sandbox") as sandbox:
        patch.setenv("B1HUB_HOME", env["B1HUB_HOME"])
        file = Path(sandbox.data_dir) / "sandbox.json"
        hub = Hub.open()
        hub.save_connection(ServiceLayerConnection.from_sandbox_file(file))
        hub.save_connection(SalesforceConnection.from_sandbox_file(file))
        accounts.create_user(hub, "admin", Role.ADMIN, ADMIN_PASSWORD, "test")
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "b1hub.cli", "serve", "--port", str(port)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "b1hub serve did not become ready"
                time.sleep(0.2)
            yield {"url": url, "hub": hub, "sandbox": sandbox}
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            hub.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _admin_client(base: str, ca: str) -> httpx.Client:
    return httpx.Client(base_url=base, verify=ssl.create_default_context(cafile=ca),
                        timeout=30)


def _sap_admin(info: dict[str, Any]) -> httpx.Client:
    """A Service Layer session as a person editing SAP (not the hub)."""
    sl = info["service_layer"]
    client = _admin_client(sl["url"], sl["ca_cert"])
    response = client.post("/Login", json={"CompanyDB": sl["company_db"],
                                           "UserName": sl["username"],
                                           "Password": sl["password"]})
    assert response.status_code == 200, response.text
    return client


def _wait_for_text(page: Page, selector: str, pattern: str, timeout_s: float = 90) -> None:
    expect(page.locator(selector)).to_contain_text(re.compile(pattern),
                                                   timeout=timeout_s * 1000)


def test_console_end_to_end(console: dict[str, Any], browser: Browser) -> None:
    url, sandbox = console["url"], console["sandbox"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Log in (and be sent back to the page first asked for).
    page.goto(f"{url}/schedules")
    expect(page).to_have_url(re.compile(r"/login\?next=/schedules$"))
    _shot(page, "01-login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Schedules")

    # Test both connections, then activate the connector.
    page.goto(f"{url}/connections")
    page.locator("section[data-system=sap] button", has_text="Test connection").click()
    expect(page.locator("section[data-system=sap]")).to_contain_text("logged in to")
    page.locator("button", has_text="Activate the Salesforce connector").click()
    expect(page.locator("#feature-state")).to_have_text("active")
    _shot(page, "02-connections")

    page.goto(f"{url}/settings")
    _shot(page, "03-settings")

    # Set Customers for Synchronization: criteria -> tick -> Account Type -> OK.
    page.goto(f"{url}/selection/customers")
    page.fill("input[name=code_from]", "C000001")
    page.fill("input[name=code_to]", "C000006")
    page.locator("button", has_text="Find").click()
    rows = page.locator("#mark-form tbody tr")
    expect(rows).to_have_count(6)
    codes = [rows.nth(i).get_attribute("data-code") for i in range(6)]
    assert codes == [f"C00000{n}" for n in range(1, 7)]
    for code in codes[:5]:
        page.check(f"input[name=code][value={code}]")
    page.select_option("select[name=type_all]", ACCOUNT_TYPE)
    page.locator("#mark-form button", has_text="OK").click()
    expect(page.locator(".flash")).to_contain_text("5 record(s) marked")
    expect(page.locator("tr[data-marked]")).to_have_count(5)
    # A marked record is visible and can be unmarked again.
    page.check("input[name=marked][value=C000005]")
    page.locator("button", has_text="Unmark ticked").click()
    expect(page.locator("tr[data-marked]")).to_have_count(4)
    _shot(page, "04-set-customers")

    page.goto(f"{url}/selection/items")
    page.fill("input[name=code_from]", "A00001")
    page.fill("input[name=code_to]", "A00003")
    page.locator("button", has_text="Find").click()
    for code in ("A00001", "A00002", "A00003"):
        page.check(f"input[name=code][value={code}]")
    page.locator("#mark-form button", has_text="OK").click()
    expect(page.locator("tr[data-marked]")).to_have_count(3)
    _shot(page, "05-set-items")

    # Initialize both objects; the activity fragment shows the job finishing live.
    page.goto(f"{url}/initialization")
    for name in ("account", "product"):
        page.locator(f"tr[data-object={name}] button").click()
        expect(page.locator(f"[data-job=initialize-{name}]")).to_have_attribute(
            "data-state", "done", timeout=120_000)
    page.reload()
    expect(page.locator("tr[data-object=account] .init-status")).to_have_text("done")
    expect(page.locator("tr[data-object=product] .init-status")).to_have_text("done")
    _shot(page, "06-initialization")

    # Sync Now from the dashboard; the run is watched without reloading the page.
    page.goto(f"{url}/")
    page.locator("tr[data-object=account] button", has_text="Sync Now").click()
    expect(page.locator(".flash")).to_contain_text("queued")
    _wait_for_text(page, "#activity", r"account succeeded")
    _shot(page, "07-dashboard")

    # Change a schedule: the next run appears.
    page.goto(f"{url}/schedules")
    form = page.locator("section[data-object=account] form")
    form.locator("select[name=kind]").select_option("daily")
    form.locator("input[name=time]").fill("02:30")
    form.locator("button").click()
    expect(page.locator("section[data-object=account] .next-run")).to_contain_text("02:30:00 UTC")
    expect(page.locator("section[data-object=account] .schedule-description")).to_have_text(
        "every day at 02:30 (UTC)")
    _shot(page, "08-schedules")

    page.goto(f"{url}/price-lists")
    page.locator("button", has_text="Retrieve Price Books").click()
    expect(page.locator("#price-books")).to_contain_text("Standard Price Book")
    _shot(page, "09-price-lists")

    # Break a record in Salesforce: a validation rule refuses one phone number, and the
    # customer is given that number in SAP.
    info = sandbox.info
    sf = _admin_client(info["salesforce"]["instance_url"], info["salesforce"]["ca_cert"])
    rule = sf.post("/_sandbox/validation-rules", json={
        "sobject": "Account", "field": "Phone", "condition": "contains",
        "value": BLOCKED_PHONE, "message": "This phone number is blocked"})
    assert rule.status_code == 201, rule.text
    sap = _sap_admin(info)
    try:
        patched = sap.patch("/BusinessPartners('C000002')", json={"Phone1": BLOCKED_PHONE})
        assert patched.status_code == 204, patched.text
        page.goto(f"{url}/")
        page.locator("tr[data-object=account] button", has_text="Sync Now").click()
        _wait_for_text(page, "#activity", r"run \d+ account succeeded: \d+ created, \d+ "
                                          r"updated, 1 failed")
        page.goto(f"{url}/errors")
        error_row = page.locator("tr[data-key=C000002]")
        expect(error_row).to_contain_text("This phone number is blocked")
        _shot(page, "10-errors")
        error_row.locator("a").first.click()
        expect(page.locator("#error-message")).to_contain_text("This phone number is blocked")
        expect(page.locator("pre")).to_contain_text(BLOCKED_PHONE)  # the data that was sent
        _shot(page, "11-error-detail")

        # Fix the data in SAP and retry from the Errors page.
        fixed = sap.patch("/BusinessPartners('C000002')", json={"Phone1": "555-0100"})
        assert fixed.status_code == 204, fixed.text
        page.goto(f"{url}/errors")
        page.check("tr[data-key=C000002] input[name=id]")
        page.locator("button", has_text="Retry ticked").click()
        expect(page.locator("[data-job=retry-all]")).to_have_attribute(
            "data-state", "done", timeout=60_000)
        page.reload()
        expect(page.locator("tr[data-key=C000002]")).to_have_count(0)
        page.goto(f"{url}/records/account/C000002")
        expect(page.locator("tbody tr").last).to_contain_text("succeeded")
        _shot(page, "12-record-history")
    finally:
        sf.delete("/_sandbox/validation-rules")
        sap.post("/Logout")
        sap.close()
        sf.close()

    for path, name in (("/runs", "13-runs"), ("/users", "14-users"), ("/tokens", "15-tokens"),
                       ("/audit", "16-audit")):
        page.goto(f"{url}{path}")
        _shot(page, name)
    assert not [e for e in errors if "Content Security Policy" in e], errors
