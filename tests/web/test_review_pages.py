"""Initialization's follow-up in the console and the API: a held ambiguous match is linked
to the candidate picked (or dismissed) and stops being held; a conflict is resolved with
the side taken; object settings change with an audit entry. Held outcomes and conflicts are
stored exactly as the engine stores them (b1hub.sync.initialize / sap_pass)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import (
    ConflictPolicy,
    ConflictResolution,
    ConflictStatus,
    Direction,
    ObjectDirection,
    OutcomeAction,
    OutcomeStatus,
    Role,
    RunTrigger,
)

from .support import issue_token

TWINS = ["001000000000T01AAA", "001000000000T02AAA"]


def hold_ambiguous(hub: Hub, code: str, candidates: list[str]) -> None:
    message = f"account SAP {code} matches {len(candidates)} Salesforce records"
    common = {"error_code": "AMBIGUOUS_MATCH", "error_message": message,
              "payload": {"candidates": candidates}}
    held = [OutcomeIn("account", Direction.SAP_TO_SALESFORCE, OutcomeAction.HELD,
                      OutcomeStatus.HELD, sap_key=code, sf_id=candidates[0], **common)]
    held += [OutcomeIn("account", Direction.SALESFORCE_TO_SAP, OutcomeAction.HELD,
                       OutcomeStatus.HELD, sap_key=code, sf_id=c, **common) for c in candidates]
    with hub.repos() as repos:
        run = repos.runs.create("account", RunTrigger.INITIALIZATION)
        repos.outcomes.record(run.id, held)


def open_held(hub: Hub, code: str) -> list[int]:
    with hub.repos() as repos:
        return [o.id for o in repos.outcomes.open_errors("account")
                if o.sap_key == code and o.status is OutcomeStatus.HELD]


def audit_actions(hub: Hub) -> list[tuple[str, str, str | None]]:
    with hub.repos() as repos:
        return [(e.actor, e.action, e.target) for e in repos.audit.recent(200)]


@pytest.fixture
def admin(clients: dict[Role, tuple[TestClient, str]]) -> Iterator[tuple[TestClient, str]]:
    yield clients[Role.ADMIN]


def test_held_match_is_linked_to_the_picked_candidate(
    hub: Hub, admin: tuple[TestClient, str], clients: dict[Role, tuple[TestClient, str]]
) -> None:
    client, csrf = admin
    hold_ambiguous(hub, "C000101", TWINS)
    page = client.get("/initialization").text
    assert 'data-key="C000101"' in page
    assert all(f'value="{c}"' in page for c in TWINS)
    # A viewer sees the match but no form to resolve it.
    viewer_page = clients[Role.VIEWER][0].get("/initialization").text
    assert 'data-key="C000101"' in viewer_page and "held-link" not in viewer_page

    wrong = client.post("/initialization/held/account/link",
                        data={"csrf_token": csrf, "sap_key": "C000101",
                              "sf_id": "001000000000X99AAA"}, follow_redirects=False)
    assert wrong.status_code == 303
    assert "is not one of the candidates" in client.get("/initialization").text
    assert len(open_held(hub, "C000101")) == 3

    done = client.post("/initialization/held/account/link",
                       data={"csrf_token": csrf, "sap_key": "C000101", "sf_id": TWINS[1]},
                       follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/initialization").text
    assert f"account SAP C000101 linked to Salesforce {TWINS[1]}" in page
    assert 'data-key="C000101"' not in page
    assert open_held(hub, "C000101") == []
    with hub.repos() as repos:
        link = repos.links.by_sap_key("account", "C000101")
        assert link is not None and link.sf_id == TWINS[1] and link.base_values is None
    assert ("admin", "held.link", "account") in audit_actions(hub)


def test_held_match_dismissed_and_linked_through_the_api(app: FastAPI, hub: Hub) -> None:
    hold_ambiguous(hub, "C000102", ["001000000000D01AAA", "001000000000D02AAA"])
    hold_ambiguous(hub, "C000103", ["001000000000E01AAA", "001000000000E02AAA"])
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    listed = api.get("/api/v1/held-matches", params={"object": "account"},
                     headers=headers).json()
    mine = {m["sap_key"]: m for m in listed if m["sap_key"] in ("C000102", "C000103")}
    assert mine["C000102"]["candidates"] == ["001000000000D01AAA", "001000000000D02AAA"]
    assert len(mine["C000102"]["outcome_ids"]) == 3

    dismissed = api.post("/api/v1/held-matches/account/dismiss", json={"sap_key": "C000102"},
                         headers=headers)
    assert dismissed.status_code == 200, dismissed.text
    assert open_held(hub, "C000102") == []
    with hub.repos() as repos:
        assert repos.links.by_sap_key("account", "C000102") is None
    again = api.post("/api/v1/held-matches/account/dismiss", json={"sap_key": "C000102"},
                     headers=headers)
    assert again.status_code == 404
    assert again.json() == {"detail": "no held match for account SAP C000102"}

    linked = api.post("/api/v1/held-matches/account/link",
                      json={"sap_key": "C000103", "sf_id": "001000000000E01"},
                      headers=headers)
    assert linked.status_code == 200, linked.text
    assert linked.json()["message"] == \
        "account SAP C000103 linked to Salesforce 001000000000E01AAA"
    taken = api.post("/api/v1/held-matches/account/link",
                     json={"sap_key": "C000103", "sf_id": "001000000000E02AAA"},
                     headers=headers)
    assert taken.status_code == 404


def test_a_candidate_linked_elsewhere_is_refused(app: FastAPI, hub: Hub) -> None:
    with hub.repos() as repos:
        repos.links.insert_or_get("account", "C000199", "001000000000F01AAA")
    hold_ambiguous(hub, "C000104", ["001000000000F01AAA", "001000000000F02AAA"])
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    refused = api.post("/api/v1/held-matches/account/link",
                       json={"sap_key": "C000104", "sf_id": "001000000000F01AAA"},
                       headers=headers)
    assert refused.status_code == 409
    assert "already linked as C000199 <-> 001000000000F01AAA" in refused.json()["detail"]
    assert len(open_held(hub, "C000104")) == 3


def test_conflict_resolved_from_the_initialization_page(
    hub: Hub, admin: tuple[TestClient, str], app: FastAPI
) -> None:
    client, csrf = admin
    with hub.repos() as repos:
        conflict = repos.conflicts.hold("account", "C000105", "001000000000G01AAA",
                                        {"name": "Acme SAP", "phone": "1"},
                                        {"name": "Acme SF", "phone": "1"})
    page = client.get("/initialization").text
    assert f'data-conflict="{conflict.id}"' in page
    assert "<td>name</td><td>Acme SAP</td><td>Acme SF</td>" in page
    assert "<td>phone</td>" not in page  # the same on both sides: not a conflict
    # Taking a side syncs the record at once: refused while the connector is not active,
    # and the conflict stays open.
    refused = client.post(f"/conflicts/{conflict.id}/resolve",
                          data={"csrf_token": csrf, "take": "salesforce"},
                          follow_redirects=False)
    assert refused.status_code == 303
    page = client.get("/initialization").text
    assert f"conflict {conflict.id} stays open: the Salesforce connector is not activated" \
        in page
    assert f'data-conflict="{conflict.id}"' in page
    done = client.post(f"/conflicts/{conflict.id}/resolve",
                       data={"csrf_token": csrf, "take": "dismissed"}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/initialization").text
    assert f"conflict {conflict.id} (account SAP C000105): dismissed" in page
    assert f'data-conflict="{conflict.id}"' not in page
    with hub.repos() as repos:
        stored = repos.conflicts.get(conflict.id)
        assert stored is not None and stored.status is ConflictStatus.RESOLVED
        assert stored.resolution is ConflictResolution.DISMISSED
        assert stored.resolved_by == "admin"
    assert ("admin", "conflict.resolve", "account") in audit_actions(hub)
    twice = client.post(f"/conflicts/{conflict.id}/resolve",
                        data={"csrf_token": csrf, "take": "sap"}, follow_redirects=False)
    assert twice.status_code == 303
    assert f"conflict {conflict.id} is already resolved" in client.get("/initialization").text
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    gone = api.post(f"/api/v1/conflicts/{conflict.id}/resolve", json={"take": "sap"},
                    headers=headers)
    assert gone.status_code == 404
    assert "already resolved" in gone.json()["detail"]


def test_conflict_api_refuses_unknown_ids_and_sides(app: FastAPI, hub: Hub) -> None:
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    assert api.post("/api/v1/conflicts/999999/resolve", json={"take": "sap"},
                    headers=headers).status_code == 404
    assert api.post("/api/v1/conflicts/1/resolve", json={"take": "both"},
                    headers=headers).status_code == 422
    assert api.post(f"/api/v1/conflicts/{2**63}/resolve", json={"take": "sap"},
                    headers=headers).status_code == 422


def test_object_settings_change_with_audit(
    hub: Hub, admin: tuple[TestClient, str], app: FastAPI
) -> None:
    client, csrf = admin
    saved = client.post("/objects/account/settings",
                        data={"csrf_token": csrf, "direction": "sap_to_salesforce",
                              "conflict_policy": "review"}, follow_redirects=False)
    assert saved.status_code == 303
    with hub.repos() as repos:
        row = repos.objects.get("account")
        assert row is not None and not row.enabled
        assert row.direction is ObjectDirection.SAP_TO_SALESFORCE
        assert row.conflict_policy is ConflictPolicy.REVIEW
    with hub.repos() as repos:
        entry = next(e for e in repos.audit.recent(50) if e.action == "object.settings")
        assert entry.details == {"enabled": False, "direction": "sap_to_salesforce",
                                 "conflict_policy": "review"}

    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    back = api.patch("/api/v1/objects/account/settings", headers=headers,
                     json={"enabled": True, "direction": "both", "conflict_policy": "general"})
    assert back.status_code == 200, back.text
    assert back.json() == {"object": "account", "enabled": True, "direction": "both",
                           "conflict_policy": None,
                           "directions": ["sap_to_salesforce", "salesforce_to_sap", "both"]}
    refused = api.patch("/api/v1/objects/product/settings", headers=headers,
                        json={"direction": "both"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "product syncs sap_to_salesforce only"}
    assert api.get("/api/v1/objects/nothing/settings", headers=headers).status_code == 404
