"""Issue 9: after a real sync the dashboard and the API show the org's Salesforce API
usage (every user's calls, from ``Sforce-Limit-Info``) beside what b1hub spent today."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from e2e_world import World
from fastapi.testclient import TestClient

from b1hub.store.types import InitStatus, Role, RunStatus
from b1hub.sync import api
from b1hub.web.config import WebSettings
from b1hub.web.factory import create_console_app
from b1hub.web.services import accounts

PASSWORD = "usage-viewer-Pass-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ORG_LINE = re.compile(
    r"Salesforce API usage \(org, last seen (?:\d{4}-\d\d-\d\d )?(\d\d:\d\d) UTC\): "
    r'<strong id="sf-org-used">(\d+)</strong> of <strong id="sf-org-limit">(\d+)</strong> '
    r'\(<span id="sf-org-percent">([\d.]+)</span> %\)')


def test_dashboard_and_api_show_the_orgs_usage_after_a_sync(world: World) -> None:
    accounts.create_user(world.hub, "usage-viewer", Role.VIEWER, PASSWORD, "test")
    app = create_console_app(world.hub,
                             WebSettings(session_secret="test-session-secret-0123456789"))
    with TestClient(app, base_url="http://testserver") as client:
        csrf = CSRF.search(client.get("/login").text)
        assert csrf
        client.post("/login", data={"username": "usage-viewer", "password": PASSWORD,
                                    "csrf_token": csrf.group(1), "next": "/"})
        before = client.get("/").text
        assert "Salesforce API usage (org): not seen yet" in before
        assert client.get("/api/v1/salesforce/api-usage").json()["org"] is None

        assert api.initialize(world.hub, "account").status is InitStatus.DONE
        summary = api.run_object(world.hub, "account")
        assert summary.status is RunStatus.SUCCEEDED, summary
        org = world.sf_admin.get("/_sandbox/usage").json()
        assert org["used"] > 0

        body = client.get("/api/v1/salesforce/api-usage").json()
        page = client.get("/").text

    assert body["org"]["used"] == org["used"]
    assert body["org"]["limit"] == org["max"]
    assert body["org"]["percent"] == round(100 * org["used"] / org["max"], 2)
    seen = datetime.fromisoformat(body["org"]["seen_at"])
    assert timedelta(0) <= datetime.now(UTC) - seen < timedelta(minutes=5)
    assert body["b1hub_calls_today"] > 0  # b1hub's own share, the existing figure

    line = ORG_LINE.search(page)
    assert line, page[page.find("<h2>Salesforce API budget"):]
    assert line.group(1) == seen.strftime("%H:%M")
    assert (int(line.group(2)), int(line.group(3))) == (org["used"], org["max"])
    assert float(line.group(4)) == body["org"]["percent"]
    assert f'<strong id="sf-calls">{body["b1hub_calls_today"]}</strong>' in page
