"""Every console page renders for the roles that may see it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from b1hub.store.types import Role

PAGES = ["/", "/connections", "/settings", "/initialization", "/selection/customers",
         "/selection/items", "/schedules", "/price-lists", "/runs", "/errors", "/tokens",
         "/mappings/account", "/mappings/product", "/udfs/account", "/value-maps", "/link-tool",
         ]


@pytest.mark.parametrize("path", PAGES)
def test_viewer_sees_page(clients: dict[Role, tuple[TestClient, str]], path: str) -> None:
    client, _ = clients[Role.VIEWER]
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert "viewer (viewer)" in response.text  # the layout names who is logged in


def test_activity_fragment(clients: dict[Role, tuple[TestClient, str]]) -> None:
    response = clients[Role.VIEWER][0].get("/fragments/activity")
    assert response.status_code == 200
    assert response.text.startswith('<section id="activity">')
    assert "Nothing running." in response.text


@pytest.mark.parametrize("path", ["/users", "/audit"])
def test_admin_pages(clients: dict[Role, tuple[TestClient, str]], path: str) -> None:
    assert clients[Role.ADMIN][0].get(path).status_code == 200
    assert clients[Role.OPERATOR][0].get(path).status_code == 403
    assert clients[Role.VIEWER][0].get(path).status_code == 403


def test_mapping_pages_of_every_registered_object(
    clients: dict[Role, tuple[TestClient, str]]
) -> None:
    """Objects added without a field catalogue still show their pages (and refuse edits)."""
    from b1hub.objects.registry import REGISTRY

    client, _ = clients[Role.VIEWER]
    for name in REGISTRY:
        for page in ("/mappings/", "/udfs/"):
            response = client.get(page + name)
            assert response.status_code == 200, (page, name)
