"""Set Customers / Set Items for Synchronization, on top of b1hub.selection (shared with
the CLI): criteria -> candidates read from SAP -> marked in the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from b1hub import selection
from b1hub.diagnostics import RemoteFailure
from b1hub.hub import Hub, NotConnected
from b1hub.store.models import Selection
from b1hub.web.services.errors import ActionRefused, InvalidInput

KINDS: dict[str, str] = {"customers": "account", "items": "product"}
PAGE_SIZE = 50


@dataclass(frozen=True)
class CandidatePage:
    candidates: list[selection.Candidate]
    marked: dict[str, str | None]  # code -> account type of the already-marked ones
    total: int
    page: int
    pages: int


def _kind(kind: str) -> selection.Kind:
    if kind not in KINDS:
        raise InvalidInput(f"unknown selection {kind!r}; use customers or items")
    return kind  # type: ignore[return-value]


def find(hub: Hub, kind: str, criteria: selection.Criteria, page: int = 1) -> CandidatePage:
    chosen = _kind(kind)
    try:
        with hub.service_layer() as sap:
            found = selection.find(sap, chosen, criteria)
    except selection.SelectionError as exc:
        raise InvalidInput(str(exc)) from None
    except (RemoteFailure, NotConnected) as exc:
        raise ActionRefused(str(exc)) from None
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    with hub.repos() as repos:
        marked = {row.sap_key: row.account_type for row in repos.selections.all(KINDS[kind])}
    return CandidatePage(shown, {c.code: marked[c.code] for c in shown if c.code in marked},
                         len(found), page, pages)


def account_types(hub: Hub) -> list[str]:
    """Salesforce's Account.Type picklist (what a marked customer may be)."""
    try:
        with hub.salesforce() as client:
            return selection.account_types(client)
    except (RemoteFailure, NotConnected) as exc:
        raise ActionRefused(str(exc)) from None


def marked(hub: Hub, kind: str) -> list[Selection]:
    with hub.repos() as repos:
        return repos.selections.all(KINDS[_kind(kind)])


def mark(
    hub: Hub, kind: str, criteria: selection.Criteria, types_by_code: dict[str, str | None],
    by: str,
) -> int:
    """Mark the ticked codes; customers each with their (mandatory, valid) Account Type."""
    chosen_kind = _kind(kind)
    if not types_by_code:
        raise InvalidInput("tick at least one record")
    try:
        with hub.service_layer() as sap:
            candidates = selection.find(sap, chosen_kind, criteria)
        chosen = selection.choose(candidates, list(types_by_code))
        checked: dict[str, str | None] = dict.fromkeys((c.code for c in chosen), None)
        if chosen_kind == "customers":
            allowed = account_types(hub)
            for c in chosen:
                checked[c.code] = selection.check_account_type(types_by_code.get(c.code),
                                                               allowed)
    except selection.SelectionError as exc:
        raise InvalidInput(str(exc)) from None
    except (RemoteFailure, NotConnected) as exc:
        raise ActionRefused(str(exc)) from None
    count = 0
    with hub.repos() as repos:
        by_type: dict[str | None, list[selection.Candidate]] = {}
        for candidate in chosen:
            by_type.setdefault(checked[candidate.code], []).append(candidate)
        for account_type, group in by_type.items():
            count += selection.mark(repos, chosen_kind, group, account_type, by)
    return count


def unmark(hub: Hub, kind: str, codes: Sequence[str], by: str) -> int:
    chosen_kind = _kind(kind)
    if not codes:
        raise InvalidInput("tick at least one marked record to unmark")
    with hub.repos() as repos:
        return selection.unmark(repos, chosen_kind, list(codes), by)
