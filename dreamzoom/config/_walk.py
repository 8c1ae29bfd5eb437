"""The one walk over the schema tree, which every part of ``config`` that visits fields shares.

The schedule checks, input-path resolution, the reference table and the error messages each need
"every field, with its dotted key": a walk written once keeps them agreeing on what a key is (its
alias, list items by index) and on which fields hold sections.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo

#: Where a value sits: config keys and list indices from the root, like pydantic's error locations.
Loc = tuple[str | int, ...]
Mark = TypeVar("Mark")
S = TypeVar("S", bound="Section")


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are immutable. It lives beside
    the walk, which enters sections and no other model (a :class:`Keyframes` value is a leaf)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


@dataclass(frozen=True)
class Entry:
    """One field met on a walk."""

    #: As the user writes it: ``dream.objectives.0.guide``, or ``dream.objectives[].guide`` on a
    #: walk of the classes, where list items have no index.
    key: str
    #: The same place as a :data:`Loc` (no indices on a walk of the classes).
    loc: Loc
    info: FieldInfo
    #: The field's value on a walk of a config; ``None`` on a walk of the classes.
    value: Any
    #: The section the field holds, alone or in a list; ``None`` for a plain value.
    section: type[Section] | None

    @property
    def many(self) -> bool:
        """Whether the field holds a list of sections (``dream.objectives``)."""
        return self.section is not None and get_origin(self.info.annotation) is list

    def mark(self, kind: type[Mark]) -> Mark | None:
        """The field's first marker of type ``kind`` (``Bounds``, the input-file marker), if any."""
        return mark(kind, self.info.annotation, self.info.metadata)


def key_of(name: str, info: FieldInfo) -> str:
    """A field's config key: its alias (``class`` for ``class_``) or its name."""
    return info.alias or name


def walk(root: Section | type[Section]) -> Iterator[Entry]:
    """Every field under ``root``, depth first in schema order, each section's field before its own.

    On a config, the walk follows the values: a section left out (``loop: null``) is not entered,
    and each item of a list of sections is, keyed by its index. On a class, it follows the
    annotations, so that every key the schema has is met once (the reference, error lookups).
    """
    return _fields(root, "", ())


def _fields(node: Section | type[Section], prefix: str, loc: Loc) -> Iterator[Entry]:
    cls = node if isinstance(node, type) else type(node)
    for name, info in cls.model_fields.items():
        key = key_of(name, info)
        value = None if isinstance(node, type) else getattr(node, name)
        entry = Entry(prefix + key, (*loc, key), info, value, _section_in(info.annotation))
        yield entry
        if entry.section is None:
            continue
        if isinstance(node, type):
            yield from _fields(entry.section, entry.key + ("[]." if entry.many else "."), entry.loc)
        elif isinstance(value, Section):
            yield from _fields(value, entry.key + ".", entry.loc)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from _fields(item, f"{entry.key}.{index}.", (*entry.loc, index))


def field_at(root: type[Section], loc: Loc) -> Entry | None:
    """The schema field found by following ``loc`` (config keys; list indices skipped) from ``root``."""
    wanted = tuple(str(part) for part in loc if not isinstance(part, int))
    return next((entry for entry in walk(root) if entry.loc == wanted), None)


def section_at(root: type[Section], loc: Loc) -> type[Section] | None:
    """The section class at ``loc`` (``()`` is ``root`` itself), if a section is there."""
    if not loc:
        return root
    entry = field_at(root, loc)
    return entry.section if entry else None


def replaced(node: S, changes: Mapping[Loc, Any]) -> S:
    """``node`` with the values at the locations in ``changes`` (relative to it) replaced: a copy
    at each level, like ``model_copy(update=...)`` at any depth, without validating again."""
    update: dict[str, Any] = {}
    for name, info in type(node).model_fields.items():
        below = _under(changes, key_of(name, info))
        if not below:
            continue
        value = getattr(node, name)
        if () in below:
            update[name] = below[()]
        elif isinstance(value, list):
            update[name] = [
                replaced(item, mine) if (mine := _under(below, index)) else item
                for index, item in enumerate(value)
            ]
        else:
            update[name] = replaced(value, below)
    return node.model_copy(update=update)


def _under(changes: Mapping[Loc, Any], head: str | int) -> dict[Loc, Any]:
    """The changes below ``head``, located relative to it."""
    return {loc[1:]: value for loc, value in changes.items() if loc and loc[0] == head}


def mark(kind: type[Mark], annotation: Any, metadata: list[Any] | None = None) -> Mark | None:
    """The first marker of type ``kind`` among a field's ``metadata`` and in its annotation, inside
    ``Annotated[...]`` and in any member of a union (``InputPath | None``), but not in containers."""
    found = [item for item in metadata or () if isinstance(item, kind)]
    if get_origin(annotation) is Annotated:
        found += [item for item in get_args(annotation)[1:] if isinstance(item, kind)]
    elif get_origin(annotation) in (Union, types.UnionType):
        found += [item for arg in get_args(annotation) if (item := mark(kind, arg)) is not None]
    return found[0] if found else None


def _section_in(annotation: Any) -> type[Section] | None:
    """The section type an annotation holds (``Noise | None``, ``list[Term]``), if any."""
    if get_origin(annotation) in (Union, types.UnionType):
        return next(filter(None, map(_section_in, get_args(annotation))), None)
    if get_origin(annotation) in (Annotated, list):
        return _section_in(get_args(annotation)[0])
    return annotation if isinstance(annotation, type) and issubclass(annotation, Section) else None
