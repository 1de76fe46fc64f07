"""The hub's work in a child process: initialize or sync the named objects, in order.

Prints the run summaries as JSON (the ``b1hub init/sync --json`` shapes), so the parent
measures exactly this process (CPU and peak RSS from ``wait4``).

    python -m benchmarks.hub.hubrun sync account product
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from b1hub.hub import Hub
from b1hub.sync import api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["init", "sync"])
    parser.add_argument("objects", nargs="+")
    args = parser.parse_args()
    hub = Hub.open()
    out: list[dict[str, Any]] = []
    try:
        for name in args.objects:
            summary = (api.initialize(hub, name) if args.action == "init"
                       else api.run_object(hub, name))
            out.append({k: getattr(v, "value", v) for k, v in asdict(summary).items()})
    finally:
        hub.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
