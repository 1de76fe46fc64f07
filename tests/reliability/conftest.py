"""The reliability suite: a fast subset in every `make test`, the full run on demand.

``B1HUB_RELIABILITY=full`` (``make reliability``) selects the full sizes (20,000 records,
25 kills, a minute of outage) and writes tests/reliability/REPORT.md from the figures the
tests record through the ``figures`` fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report import WRITE_REPORT, Figures, write_report

REPORT = Path(__file__).with_name("REPORT.md")
_FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Figures:
    return _FIGURES


def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    if WRITE_REPORT and _FIGURES.sections:
        write_report(REPORT, _FIGURES, passed=exitstatus == 0)
