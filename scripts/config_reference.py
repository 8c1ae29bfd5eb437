"""Print (or, with --write, update in docs/reference.md) the config reference table, from the schema
itself.

The documentation's table sits between the markers below in docs/reference.md; tests/test_docs.py
fails when it drifts from the schema, so run `python scripts/config_reference.py --write` after
changing a config key.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dreamzoom.config import reference

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def table() -> str:
    rows = ["| key | default | what it does |", "| --- | --- | --- |"]
    for key, default, description in reference():
        escaped = description.replace("|", "\\|")
        rows.append(f"| `{key}` | `{default}` | {escaped} |")
    return "\n".join(rows)


def updated(page: str) -> str:
    head, _, rest = page.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        REFERENCE.write_text(updated(REFERENCE.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(table())
