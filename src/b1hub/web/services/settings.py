"""General settings and the price list <-> price book map."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from b1hub.connectors.outcomes import RateLimited, RecordError, Retryable
from b1hub.connectors.salesforce.client import SalesforceClient
from b1hub.hub import Hub
from b1hub.store.repositories import GeneralSettings
from b1hub.web.services.errors import ActionRefused, InvalidInput

# Edited on their own pages (price lists) or internal tuning, not on the General page.
NOT_ON_GENERAL_PAGE = frozenset({"price_list_map"})


def general_fields() -> list[str]:
    return [k for k in GeneralSettings.model_fields if k not in NOT_ON_GENERAL_PAGE]


def get(hub: Hub) -> GeneralSettings:
    with hub.repos() as repos:
        return repos.settings.get()


def update(hub: Hub, changes: dict[str, Any], by: str) -> GeneralSettings:
    """Validate every change against the whole model first: all or nothing."""
    unknown = set(changes) - set(GeneralSettings.model_fields)
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(sorted(unknown))}")
    with hub.repos() as repos:
        current = repos.settings.get().model_dump(mode="json")
        try:
            GeneralSettings.model_validate({**current, **changes})
        except ValidationError as exc:
            raise InvalidInput("; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
        changed = {k: v for k, v in changes.items() if current.get(k) != v}
        for key, value in changed.items():
            repos.settings.set(key, value)
        if changed:
            repos.audit.record(by, "settings.update", None, {"changed": changed})
        return repos.settings.get()


def price_map(hub: Hub) -> dict[str, dict[str, str]]:
    return {k: v.model_dump() for k, v in get(hub).price_list_map.items()}


def set_price_target(
    hub: Hub, price_list: str, pricebook: str | None, currency: str | None, by: str
) -> dict[str, dict[str, str]]:
    """Map one SAP price list (or unmap it, with no price book)."""
    if not price_list.strip().isdigit():
        raise InvalidInput("a SAP price list is identified by its number")
    current = price_map(hub)
    if pricebook and pricebook.strip():
        if not currency or len(currency.strip()) != 3 or not currency.strip().isalpha():
            raise InvalidInput("give the price book's currency as a 3-letter ISO code")
        current[price_list.strip()] = {"pricebook": pricebook.strip(),
                                       "currency": currency.strip().upper()}
    else:
        current.pop(price_list.strip(), None)
    update(hub, {"price_list_map": current}, by)
    return current


def retrieve_price_books(hub: Hub) -> list[dict[str, Any]]:
    """The org's price books (the seed's "Retrieve Price Books"): one SOQL query."""
    from b1hub.diagnostics import RemoteFailure, failure_text
    from b1hub.hub import NotConnected

    try:
        client: SalesforceClient = hub.salesforce()
    except NotConnected as exc:
        raise ActionRefused(str(exc)) from exc
    books: list[dict[str, Any]] = []
    try:
        for page in client.query(
            "SELECT Id, Name, IsStandard, IsActive FROM Pricebook2 ORDER BY Name"
        ):
            if isinstance(page, Retryable | RateLimited | RecordError):
                raise ActionRefused(f"Salesforce: {failure_text(page)}")
            if not isinstance(page, list):
                continue
            books.extend({"id": r["Id"], "name": r["Name"], "standard": bool(r["IsStandard"]),
                          "active": bool(r["IsActive"])} for r in page)
    except RemoteFailure as exc:
        raise ActionRefused(str(exc)) from exc
    finally:
        client.close()
    return books
