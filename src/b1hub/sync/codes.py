"""CardCodes for business partners created from Salesforce: prefix + zero-padded number.

The next number comes from the highest code SAP already holds in the series (one read),
so codes never collide with earlier runs, other hubs' codes or manual entries. Only
codes of the series' exact shape count (prefix, then ``digits`` digits): ``SF-OLD`` or
``SF12`` cannot collide with a generated code and must not steer it. A code taken
between the read and the create is answered "already exists"; the engine refreshes and
the series moves past every code it handed out before.
"""

from __future__ import annotations

from b1hub.connectors.service_layer.client import ServiceLayerClient
from b1hub.store.repositories import GeneralSettings

SCAN = 100
"""Highest codes read to find the highest of the series' shape among other codes."""


class CodeSeries:
    def __init__(self, client: ServiceLayerClient, settings: GeneralSettings) -> None:
        self.client = client
        self.prefix = settings.bp_code_prefix
        self.digits = settings.bp_code_digits
        self._next: int | None = None
        self._floor = 1

    def refresh(self) -> None:
        """Read SAP again before the next code, never going back on codes handed out."""
        if self._next is not None:
            self._floor = max(self._floor, self._next)
        self._next = None

    def take(self, count: int) -> list[str]:
        if self._next is None:
            self._next = max(self._highest() + 1, self._floor)
        first = self._next
        self._next += count
        return [f"{self.prefix}{n:0{self.digits}d}" for n in range(first, first + count)]

    def _highest(self) -> int:
        prefix = self.prefix.replace("'", "''")
        lowest, top = "0" * self.digits, "9" * self.digits
        highest = 0
        for page in self.client.iter_pages(
            "BusinessPartners", select=["CardCode"],
            filter=(f"startswith(CardCode,'{prefix}') and CardCode ge '{prefix}{lowest}' "
                    f"and CardCode le '{prefix}{top}'"),
            orderby="CardCode desc", top=SCAN, page_size=SCAN,
        ):
            if not isinstance(page, list):
                raise RuntimeError(f"cannot read the CardCode series: {page}")
            for row in page:
                tail = str(row["CardCode"])[len(self.prefix):]
                if len(tail) == self.digits and tail.isdigit():
                    highest = max(highest, int(tail))
        return highest
