#!/usr/bin/env python3
"""Print outputs/<env>.json as a short table: one row per id, ARN or endpoint."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rows(outputs: dict, prefix: str = "") -> list[tuple[str, str]]:
    table = []
    for key, value in outputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            table.extend(rows(value, f"{name}."))
        elif isinstance(value, list):
            table.append((name, ", ".join(str(item) for item in value)))
        else:
            table.append((name, "" if value is None else str(value)))
    return table


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: outputs_table.py outputs/<env>.json", file=sys.stderr)
        return 2
    table = rows(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    width = max(len(name) for name, _ in table)
    print(f"{'output'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in table:
        print(f"{name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
