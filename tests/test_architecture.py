"""The house: data flows one way (config → resolve → assemble → timeline → run → sinks), and lower
rooms never import higher ones — `dream` knows nothing of files or videos, `sinks` nothing of
TensorFlow, `config` nothing of either; rooms and functions short enough to read. Read from the source with ``ast``, lazy imports inside functions too."""

from __future__ import annotations

import ast
import re

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "dreamzoom"

#: Every room, lowest first. A room may import rooms of its own level or below, never above.
LEVELS: list[set[str]] = [
    {"_version", "errors", "engine", "backend", "data", "weights"},
    {"schedule", "presets", "classes", "files", "formats", "explore", "autodiff"},
    {"config"},
    {"colour", "motion", "ffmpeg", "flow", "precision"},
    {"metrics", "source", "sheet", "folding", "audio"},
    {"footage"},
    {"resolve"},
    {"framing"},
    {"models", "objectives", "prior", "fourier", "scaling"},
    {"novelty", "recognition", "tiling"},
    {"dream"},
    {"sinks", "checkpoint", "provenance"},
    {"assemble"},
    {"timeline"},
    {"preview", "renderer", "inspection", "soundcheck"},
    {"batch"},
    {"cluster"},
    {"cli"},
    {"__init__", "__main__"},
]
LEVEL = {room: level for level, rooms in enumerate(LEVELS) for room in rooms}
#: Rooms that must never load TensorFlow, directly or through what they import (a config can be
#: checked, and frames written, without it).
NO_TENSORFLOW = {
    "engine",
    "flow",
    "footage",
    "config",
    "schedule",
    "presets",
    "files",
    "formats",
    "ffmpeg",
    "sinks",
    "checkpoint",
    "explore",
    "audio",
}


def room_of(path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def rooms_imported(path) -> set[str]:
    """The package's rooms that ``path`` imports (``from . import x``, ``from .x import``, absolute)."""
    found: set[str] = set()
    inside_package = path.parent != PACKAGE  # a module of a sub-package (config/_schema.py)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.startswith("dreamzoom"):
                parts = module.split(".")[1:]
            elif node.level == (2 if inside_package else 1):
                parts = module.split(".") if module else []
            else:
                continue  # within the sub-package itself
            found |= {parts[0]} if parts and parts[0] else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("dreamzoom.")}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_room_has_a_level():
    assert {room_of(path) for path in MODULES} <= set(LEVEL), "add new rooms to LEVELS"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_lower_rooms_never_import_higher_ones(path):
    room = room_of(path)
    imported = rooms_imported(path) - {room}
    # A name that is no room (``from . import __version__``) is something the package's
    # ``__init__`` defines: importing it is importing the top room, so it is refused, never ranked.
    unknown = imported - set(LEVEL)
    assert not unknown, f"{room} imports {sorted(unknown)}, which is no room: import it from its room"
    higher = {other for other in imported if LEVEL[other] > LEVEL[room]}
    assert not higher, f"{room} (level {LEVEL[room]}) imports higher rooms: {sorted(higher)}"


#: The declarative schema is one long list of fields with their descriptions: it may be longer.
LONGEST_MODULE, LONGEST_FUNCTION, LONG_ALLOWED = 450, 60, {"config/_schema.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_rooms_and_functions_fit_on_a_few_screens(path):
    """A module a reader can hold (at most 450 lines), functions that fit on a screen (60)."""
    text = path.read_text(encoding="utf-8")
    if str(path.relative_to(PACKAGE)) not in LONG_ALLOWED:
        assert len(text.splitlines()) <= LONGEST_MODULE, f"{path.name}: split it by concern"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= LONGEST_FUNCTION, f"{path.name}: {node.name} has {length} lines"


def test_rooms_below_the_network_never_load_tensorflow():
    imports: dict[str, set[str]] = {}
    for path in MODULES:
        imports.setdefault(room_of(path), set()).update(rooms_imported(path) - {room_of(path)})
    for room in sorted(NO_TENSORFLOW):
        reached, todo = set(), [room]
        while todo:
            for other in imports.get(todo.pop(), set()) - reached:
                reached.add(other)
                todo.append(other)
        assert "backend" not in reached, f"{room} reaches TensorFlow through {sorted(reached)}"
    for path in MODULES:  # nor import it themselves
        if room_of(path) in NO_TENSORFLOW:
            assert not third_party(path) & {"tensorflow", "keras"}, f"{path.name} imports TensorFlow"


def third_party(path) -> set[str]:
    """The top-level names of what ``path`` imports from outside the package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_architecture_page_describes_these_rooms():
    """docs/architecture.md has a row for every room, and names exactly the rooms kept free of
    TensorFlow (its claims were once out of date: a room said to do no I/O did some)."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    described = set(re.findall(r"`([a-z_]+)(?:\.py|/)`", " ".join(re.findall(r"^\| (.+?) \|", page, re.M))))
    missing = set(LEVEL) - described - {"_version", "__init__", "__main__"}
    assert not missing, f"docs/architecture.md has no row for {sorted(missing)}"
    free = re.search(r"^Rooms that never load TensorFlow: (.+)$", page, re.M)
    assert free is not None, "docs/architecture.md lists the rooms free of TensorFlow"
    assert set(re.findall(r"`(\w+)`", free.group(1))) == NO_TENSORFLOW
