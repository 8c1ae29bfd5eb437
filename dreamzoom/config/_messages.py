"""The wording of config errors: one line, naming the key as the user wrote it.

pydantic reports every problem with its location and its own names for union members; a user
wants the first problem, the key, a guess at a misspelt key, and values shown short (a value can be
a YAML alias bomb or a megabyte of text).
"""

from __future__ import annotations

import difflib
import re
import reprlib
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ._walk import Section, field_at, key_of, section_at


class _Short(reprlib.Repr):
    """A ``repr`` that stays short for any value: a YAML alias bomb, or an integer of thousands of
    digits (which Python refuses to turn into text at all past 4,300)."""

    def repr_int(self, x: int, level: int) -> str:
        digits = x.bit_length() * 0.30103
        return repr(x) if digits < 30 else f"an integer of about {digits:.0f} digits"


def _short_repr() -> reprlib.Repr:
    short = _Short()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 2, 4, 4, 40, 40
    return short


#: Shows any value in a message: ``SHORT.repr(value)``.
SHORT = _short_repr()
_UNION_TAG = re.compile(r"[a-z-]+\[.*\]|int|float|str|bool|Keyframes")
#: pydantic's problems with the shape of a pair (``size: 512``, ``size: [1, 2, 3]``), and with a
#: section given as a plain value (``source: 3``).
_PAIR_PROBLEMS = {"tuple_type", "list_type", "too_short", "too_long"}
_SECTION_PROBLEMS = {"model_type", "dict_type", "model_attributes_type"}
#: The form a field's description spells in backticks, e.g. "`[width, height]`".
_FORM = re.compile(r"`(\[[^`\]]+\])`")


def printable(part: Any) -> str:
    """A key as the user wrote it, or its repr when it holds control characters or spaces."""
    text = str(part)
    plain = text.isprintable() and text.strip() == text and text and len(text) <= SHORT.maxstring
    return text if plain else SHORT.repr(text)


def describe(error: ValidationError, root: type[Section]) -> str:
    """One line for a pydantic error from validating ``root``: the first problem, naming its key,
    and how many more."""
    problems = error.errors(include_url=False)
    first = problems[0]
    # Drop pydantic's names for union members ("literal['a','b']", "int"), which are not config keys.
    unknown = first["type"] == "extra_forbidden"
    raw_loc = first["loc"]
    last = len(raw_loc) - 1 if unknown else len(raw_loc)
    loc = tuple(
        p
        for i, p in enumerate(raw_loc)
        if not (0 < i < last and isinstance(p, str) and _UNION_TAG.fullmatch(p))
    )
    message = _unknown_key(loc, root) if unknown else _bad_value(first, loc, root)
    more = len(problems) - 1
    return message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def _unknown_key(loc: tuple[Any, ...], root: type[Section]) -> str:
    """``unknown key 'dream.stpes' (did you mean 'dream.steps'?); dream takes: …``."""
    section = section_at(root, loc[:-1])
    known = [key_of(name, info) for name, info in section.model_fields.items()] if section else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f" (did you mean '{'.'.join(map(printable, (*loc[:-1], close[0])))}'?)" if close else ""
    where = ".".join(map(printable, loc[:-1])) or "the top level"
    return f"unknown key '{'.'.join(map(printable, loc))}'{hint}; {where} takes: {', '.join(known)}"


def _bad_value(problem: ErrorDetails, loc: tuple[Any, ...], root: type[Section]) -> str:
    """``key: what is wrong (got value)`` for a value of the wrong type or out of range, or a
    section's own check."""
    if problem["type"] == "missing" and loc and isinstance(loc[-1], int):  # `size: [512]`
        loc, problem = loc[:-1], {**problem, "type": "too_short"}
    key = ".".join(printable(p) for p in loc)
    message = _right_form(problem["type"], loc, root) or problem["msg"].removeprefix("Value error, ")
    # A section's own check may blame one of its keys as "key: problem": name it in full.
    field, sep, rest = message.partition(": ")
    section = section_at(root, loc) if problem["type"] == "value_error" and sep else None
    if section is not None and field in section.model_fields:
        key, message = f"{key}.{field}" if key else field, rest
    if problem["type"] != "value_error" and "input" in problem:
        message += f" (got {SHORT.repr(problem['input'])})"
    return f"{key}: {message}" if key else message


def _right_form(kind: str, loc: tuple[Any, ...], root: type[Section]) -> str | None:
    """The right form, shown, for a pair or a section given in the wrong shape (``size: give
    [width, height], e.g. [512, 512]``; ``source: give a section of image, noise, video``)."""
    entry = field_at(root, loc) if loc else None
    if entry is None:
        return None
    if kind in _SECTION_PROBLEMS and entry.section is not None:
        keys = [key_of(name, info) for name, info in entry.section.model_fields.items()]
        return f"give a section of keys ({', '.join(keys)}), e.g. {{{keys[0]}: …}}"
    default = entry.info.default
    if kind in _PAIR_PROBLEMS and isinstance(default, tuple):
        form = _FORM.search(entry.info.description or "")
        shape = form.group(1) if form else f"{len(default)} values in brackets"
        return f"give {shape}, e.g. {list(default)}"
    return None
