"""The 1000 ImageNet-1k class names, shipped with dreamzoom: lookup by name or index, search, and
categories.

Line N of ``data/imagenet_classes.txt`` holds class N's WordNet synonyms ("banana" is 954); the
first synonym is the class's display name. Used by ``class`` objectives and ``dreamzoom classes``.
``data/imagenet_categories.txt`` groups the classes (animals, birds, fish, food, buildings,
vehicles, instruments, …) for exploration's things; nothing can be downloaded at run time, so the
grouping ships with the package.
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources

from .errors import DreamzoomError


@functools.lru_cache(maxsize=1)
def synonyms() -> tuple[tuple[str, ...], ...]:
    """Each class's synonyms, indexed by class number."""
    text = resources.files("dreamzoom.data").joinpath("imagenet_classes.txt").read_text(encoding="utf-8")
    return tuple(tuple(name.strip() for name in line.split(",")) for line in text.splitlines())


def name(index: int) -> str:
    """The display name of class ``index``."""
    return synonyms()[index][0]


def search(query: str) -> list[tuple[int, str]]:
    """Classes any of whose synonyms contain ``query`` (case-insensitive), as ``(index, all synonyms)``."""
    needle = query.strip().lower()
    return [
        (index, ", ".join(names))
        for index, names in enumerate(synonyms())
        if any(needle in name.lower() for name in names)
    ]


def index_of(value: str | int, key: str, *, grouped: bool = False) -> int:
    """The class a config names, by index or by exact synonym; an error suggests close names (and,
    where a category would do too, ``grouped``, close category names first: ``bird`` → ``birds``)."""
    count = len(synonyms())
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        index = int(value)
        if not 0 <= index < count:
            raise DreamzoomError(f"class {index} is outside 0–{count - 1}", key=key)
        return index
    wanted = value.strip().lower()
    for index, names in enumerate(synonyms()):
        if wanted in (name.lower() for name in names):
            return index
    every = [name for names in synonyms() for name in names]
    close = difflib.get_close_matches(value, list(categories()), n=2, cutoff=0.75) if grouped else []
    close += difflib.get_close_matches(value, every, n=3 - len(close))
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise DreamzoomError(
        f"no ImageNet class{' or category' if grouped else ''} is called {value!r}{hint}; "
        "`dreamzoom classes QUERY` searches both",
        key=key,
    )


@functools.lru_cache(maxsize=1)
def categories() -> dict[str, tuple[int, ...]]:
    """Each category's classes, by its name (``birds``, ``fruit and vegetables``)."""
    text = resources.files("dreamzoom.data").joinpath("imagenet_categories.txt").read_text(encoding="utf-8")
    grouped = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, spans = line.partition(":")
            grouped[label.strip()] = tuple(index for span in spans.split(",") for index in _span(span))
    return grouped


def _span(text: str) -> range:
    first, _, last = text.strip().partition("-")
    return range(int(first), int(last or first) + 1)


def category(value: str | int) -> tuple[int, ...] | None:
    """The classes of the category ``value`` names (case-insensitive), or ``None`` if it names none."""
    return categories().get(value.strip().lower()) if isinstance(value, str) else None
