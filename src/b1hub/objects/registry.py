"""The synced objects by name, in dependency order (parents before children)."""

from __future__ import annotations

from b1hub.objects.account import ACCOUNT
from b1hub.objects.contact import CONTACT
from b1hub.objects.lead import LEAD
from b1hub.objects.opportunity import OPPORTUNITY
from b1hub.objects.order import ORDER
from b1hub.objects.product import PRODUCT
from b1hub.objects.quotation import QUOTATION
from b1hub.objects.spec import ObjectSpec, canonical_object_name

REGISTRY: dict[str, ObjectSpec] = {spec.name: spec for spec in (
    ACCOUNT, PRODUCT, CONTACT, LEAD, OPPORTUNITY, QUOTATION, ORDER)}
"""Insertion order is the dependency order ``run_all`` follows."""


class UnknownObject(ValueError):
    """An object the engine does not sync (yet)."""


def get_spec(name: str) -> ObjectSpec:
    """The spec of ``name`` (CLI spellings accepted: ``Accounts``, ``items``...)."""
    canonical = canonical_object_name(name)
    try:
        return REGISTRY[canonical]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise UnknownObject(f"{canonical} is not synchronised yet; available: {known}") from None


def dependency_order() -> list[ObjectSpec]:
    """Specs sorted so every object comes after the objects it depends on."""
    ordered: list[ObjectSpec] = []
    seen: set[str] = set()

    def visit(spec: ObjectSpec) -> None:
        if spec.name in seen:
            return
        seen.add(spec.name)
        for parent in spec.depends_on:
            if parent in REGISTRY:
                visit(REGISTRY[parent])
        ordered.append(spec)

    for spec in REGISTRY.values():
        visit(spec)
    return ordered
