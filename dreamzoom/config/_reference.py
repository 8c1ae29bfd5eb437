"""The config's documentation, generated from the schema so that it cannot drift from the checks:
the documentation's key table (``docs/reference.md``) and the JSON Schema that editors read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from ._schema import Config
from ._walk import walk


def json_schema() -> dict[str, Any]:
    """The config's JSON Schema (draft 2020-12), made from the same models that check configs: YAML
    language servers read it (``dreamzoom schema``; ``dreamzoom.schema.json`` in the repository),
    so editors complete keys, show their descriptions and flag mistakes as they are typed."""
    schema = Config.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "dreamzoom config"}


def reference() -> list[tuple[str, str, str]]:
    """``(key, default, description)`` for every config key, in schema order (for ``docs/reference.md``): a
    list of sections has a row of its own, and its items' keys are written ``key[].sub``."""
    rows: list[tuple[str, str, str]] = []
    for entry in walk(Config):
        if entry.many:
            rows.append((entry.key, "[]", entry.info.description or ""))
        elif entry.section is None:
            rows.append((entry.key, _default(entry.info), entry.info.description or ""))
    return rows


def _default(info: FieldInfo) -> str:
    """A field's default as the table shows it: text and paths as they are, anything else as JSON."""
    if info.is_required():
        return "(required)"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, (str, Path)):
        return str(value)
    return json.dumps(list(value) if isinstance(value, tuple) else value)
