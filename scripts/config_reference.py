"""Print (or, with --write, update in README.md) the config reference table, from the schema itself.

The README's table sits between the markers below; tests/test_docs.py fails when it drifts from
the schema, so run `python scripts/config_reference.py --write` after changing a config key.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dreamzoom.config import reference

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def table() -> str:
    rows = ["| key | default | what it does |", "| --- | --- | --- |"]
    for key, default, description in reference():
        escaped = description.replace("|", "\\|")
        rows.append(f"| `{key}` | `{default}` | {escaped} |")
    return "\n".join(rows)


def updated(readme: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        README.write_text(updated(README.read_text()))
    else:
        print(table())
