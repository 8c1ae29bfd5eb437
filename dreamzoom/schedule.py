"""Parameter values that change over time: keyframes and safe maths in ``t``.

A scheduled config value is a number, an expression, or keyframes:

    1.02                                   # constant
    "1.02 + 0.02*sin(2*pi*t/90)"           # maths in t (frame), s (seconds), beat (music)
    "1.01 + 0.03*onset"                    # … and a song's envelopes (see ``audio.py``)
    "0:(1.04), 120:(1.01)"                 # keyframes, linear in between, held before and after
    {keyframes: "0:(1.04), 120:(1.01)", interpolation: smooth}

Keyframe values may themselves be expressions. Expressions are parsed with Python's ``ast`` and
evaluated by a small interpreter of our own that knows numbers, the variables in
:data:`VARIABLES`, the constants ``pi``, ``tau`` and ``e``, arithmetic, and the functions in
:data:`FUNCTIONS` — nothing else: no names, attributes, subscripts, comprehensions or calls beyond
that list, and no ``eval``.
"""

from __future__ import annotations

import ast
import bisect
import functools
import math
import operator
import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np


class ScheduleError(ValueError):
    """A schedule that cannot be parsed or evaluated (the config layer adds the key)."""


#: The longest schedule text: hundreds of keyframes fit, while a runaway generated string is refused
#: before Python's parser spends memory on it.
MAX_LENGTH = 10_000
#: The deepest expression (nested calls, brackets, or a chain like ``1+1+…``): far beyond hand-written
#: maths, and shallow enough that checking and evaluating it cannot exhaust Python's recursion.
MAX_DEPTH = 100


def _clamp(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


def smoothstep(x: float) -> float:
    """0 up to ``x`` = 0, 1 from ``x`` = 1, and between them the cubic that leaves both ends flat:
    the ease of every hand-over in time (schedules, a loop's pull home, exploring's crossfade)."""
    x = _clamp(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


#: The functions an expression may call.
FUNCTIONS: dict[str, Callable[..., float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "pow": math.pow,
    "hypot": math.hypot,
    "abs": abs,
    "min": min,
    "max": max,
    "floor": math.floor,
    "ceil": math.ceil,
    "round": round,
    "frac": lambda x: x - math.floor(x),
    "clamp": _clamp,
    "smoothstep": smoothstep,
}
CONSTANTS = {"pi": math.pi, "tau": math.tau, "e": math.e}
#: What a song gives at each frame (``audio.py``): each 0–1, smoothed; 0 without a song.
ENVELOPES = ("onset", "loudness", "bass", "mid", "high")
#: The variables an expression may read: the frame, its second, the beat, and a song's envelopes.
VARIABLES = ("t", "s", "beat", *ENVELOPES)

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


@dataclass(frozen=True)
class Time:
    """The moment a schedule is evaluated at."""

    t: float  # frame index
    s: float  # seconds
    beat: float  # beats since the music's offset, or since a song's first beat
    onset: float = 0.0
    loudness: float = 0.0
    bass: float = 0.0
    mid: float = 0.0
    high: float = 0.0

    @staticmethod
    def at(
        frame: float,
        fps: float,
        bpm: float | None = None,
        offset: float = 0.0,
        signals: Signals | None = None,
    ) -> Time:
        seconds = frame / fps
        if signals is not None:
            return Time(frame, seconds, **signals.at(frame))
        return Time(frame, seconds, (seconds - offset) * bpm / 60.0 if bpm else 0.0)


@dataclass(frozen=True, eq=False)
class Signals:
    """Variables measured outside the config, one value per frame: a song's ``beat`` and its
    :data:`ENVELOPES` (made by ``audio.py``). Between frames they are interpolated; past the last
    frame they hold."""

    values: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return min((len(v) for v in self.values.values()), default=0)

    def at(self, frame: float) -> dict[str, float]:
        """Each variable's value at ``frame``."""
        last = len(self) - 1
        if last < 0:
            return dict.fromkeys(self.values, 0.0)
        where = min(max(frame, 0.0), float(last))
        index = int(where)
        if where == index:
            return {name: float(values[index]) for name, values in self.values.items()}
        fraction, after = where - index, min(index + 1, last)
        return {
            name: float(values[index] + fraction * (values[after] - values[index]))
            for name, values in self.values.items()
        }


class Expression:
    """A parsed, checked expression; call it with a :class:`Time`."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as error:
            raise ScheduleError(f"cannot read {reprlib.repr(text)} as maths: {error.msg}") from None
        except (RecursionError, MemoryError, ValueError):  # nesting beyond the parser, or huge numbers
            raise ScheduleError(f"{reprlib.repr(text)} is too deeply nested or too long to read") from None
        _check_depth(tree.body, text)
        #: The variables the expression reads (``onset`` needs a song).
        self.names: set[str] = set()
        self._check(tree.body)
        self._tree = tree.body

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ScheduleError(f"only numbers are allowed, not {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id not in VARIABLES and node.id not in CONSTANTS:
                allowed = ", ".join(VARIABLES + tuple(CONSTANTS))
                raise ScheduleError(f"unknown name {node.id!r} (names allowed: {allowed})")
            if node.id in VARIABLES:
                self.names.add(node.id)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ScheduleError(
                    f"unknown function {name!r} (see the list in docs/animation/schedules.md)"
                )
            if node.keywords:
                raise ScheduleError(f"{node.func.id}() takes no keyword arguments")
            for argument in node.args:
                self._check(argument)
        else:
            raise ScheduleError(f"{ast.unparse(node)!r} is not allowed in a schedule")

    def __call__(self, time: Time) -> float:
        return float(self._evaluate(self._tree, time))

    def _evaluate(self, node: ast.AST, time: Time) -> float:
        """The value of ``node``, always a float: Python's unbounded integers would let
        ``(9**999)**999`` take hours, where floats overflow at once (and are reported)."""
        if isinstance(node, ast.Constant):
            return float(cast(float, node.value))  # _check let only numbers through
        if isinstance(node, ast.Name):
            return getattr(time, node.id) if node.id in VARIABLES else CONSTANTS[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._evaluate(node.left, time), self._evaluate(node.right, time)
            if isinstance(node.op, ast.Pow) and abs(right) > 1000:
                raise ScheduleError(f"exponent {right:g} is too large")
            return float(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp):
            return float(_UNARY[type(node.op)](self._evaluate(node.operand, time)))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return float(FUNCTIONS[node.func.id](*(self._evaluate(argument, time) for argument in node.args)))


def _check_depth(tree: ast.AST, text: str) -> None:
    """Refuse an expression nested deeper than :data:`MAX_DEPTH` (measured without recursion)."""
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ScheduleError(f"{reprlib.repr(text)} nests more than {MAX_DEPTH} levels deep")
        pending += [(child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]


_KEY = re.compile(r"(\d+(?:\.\d+)?)\s*:\s*\(")


class Schedule:
    """A value over time: a constant, an expression, or interpolated keyframes."""

    def __init__(self, spec: float | str | Mapping[str, Any]) -> None:
        interpolation = "linear"
        if isinstance(spec, Mapping):
            interpolation = spec.get("interpolation", "linear")
            spec = spec["keyframes"]
        self.interpolation = interpolation
        self.constant: float | None = None
        self.keys: list[float] = []
        self.values: list[Expression] = []
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            self.constant = _number(spec)
        elif len(str(spec)) > MAX_LENGTH:
            raise ScheduleError(
                f"{len(str(spec)):,} characters is longer than the {MAX_LENGTH:,} a schedule may have"
            )
        elif ":" in str(spec):
            self._parse_keyframes(str(spec))
        else:
            self.values = [Expression(str(spec))]

    @property
    def names(self) -> set[str]:
        """The variables the schedule reads."""
        return set().union(*(value.names for value in self.values))

    def _parse_keyframes(self, text: str) -> None:
        rest = text.strip()
        while rest:
            match = _KEY.match(rest)
            if not match:
                raise ScheduleError(f"cannot read keyframes at {rest[:24]!r}: expected FRAME:(VALUE), …")
            depth, end = 1, match.end()
            while depth and end < len(rest):  # find the parenthesis that closes the value
                depth += {"(": 1, ")": -1}.get(rest[end], 0)
                end += 1
            if depth:
                raise ScheduleError(f"unbalanced parentheses in {reprlib.repr(rest)}")
            self.keys.append(float(match.group(1)))
            self.values.append(Expression(rest[match.end() : end - 1]))
            rest = rest[end:].strip()
            if rest.startswith(","):
                rest = rest[1:].strip()
            elif rest:
                raise ScheduleError(f"expected a comma before {rest[:24]!r}")
        if any(b <= a for a, b in zip(self.keys, self.keys[1:], strict=False)):
            raise ScheduleError("keyframes must be in increasing frame order")

    def __call__(self, time: Time) -> float:
        try:
            value = self._value(time)
        except (ArithmeticError, ValueError, TypeError) as error:
            if isinstance(error, ScheduleError):
                raise
            raise ScheduleError(f"cannot evaluate at frame {time.t:g}: {error}") from None
        if not math.isfinite(value):
            raise ScheduleError(f"gives {value} at frame {time.t:g}")
        return value

    def _value(self, time: Time) -> float:
        if self.constant is not None:
            return self.constant
        if not self.keys:
            return self.values[0](time)
        if time.t <= self.keys[0]:
            return self.values[0](time)
        if time.t >= self.keys[-1]:
            return self.values[-1](time)
        right = bisect.bisect_right(self.keys, time.t)
        left = right - 1
        fraction = (time.t - self.keys[left]) / (self.keys[right] - self.keys[left])
        # Only the keyframes around t (a smooth curve's tangents need one more on each side), so
        # that a schedule of many keyframes costs no more per frame than one of a few.
        near = range(max(0, left - 1), min(len(self.keys), right + 2))
        points = {index: self.values[index](time) for index in near}
        if self.interpolation == "smooth":
            return _monotone_cubic(self.keys, points, left, fraction)
        return points[left] + fraction * (points[right] - points[left])


def _number(value: float) -> float:
    """A constant schedule's value as a float (an integer too large for one is a schedule error)."""
    try:
        return float(value)
    except OverflowError:
        raise ScheduleError(f"{reprlib.repr(value)} is too large a number") from None


def _monotone_cubic(keys: list[float], values: Mapping[int, float], left: int, fraction: float) -> float:
    """Fritsch–Carlson monotone cubic interpolation between keys ``left`` and ``left + 1``: smooth
    (no corner at keyframes) and never overshooting the keyframe values."""

    def secant(i: int) -> float:
        return (values[i + 1] - values[i]) / (keys[i + 1] - keys[i])

    def tangent(i: int) -> float:
        if i == 0:
            return secant(0)
        if i == len(keys) - 1:
            return secant(i - 1)
        before, after = secant(i - 1), secant(i)
        if before * after <= 0:
            return 0.0
        return 2.0 / (1.0 / before + 1.0 / after)  # harmonic mean keeps monotone segments monotone

    width = keys[left + 1] - keys[left]
    h00 = 2 * fraction**3 - 3 * fraction**2 + 1
    h10 = fraction**3 - 2 * fraction**2 + fraction
    h01 = -2 * fraction**3 + 3 * fraction**2
    h11 = fraction**3 - fraction**2
    return (
        h00 * values[left]
        + h10 * width * tangent(left)
        + h01 * values[left + 1]
        + h11 * width * tangent(left + 1)
    )


@functools.lru_cache(maxsize=256)
def _parse_cached(spec: float | str) -> Schedule:
    return Schedule(spec)


def parse(spec: float | str | Mapping[str, Any]) -> Schedule:
    """A :class:`Schedule` for a config value (parsed once per distinct value)."""
    if isinstance(spec, Mapping):
        return Schedule(spec)
    return _parse_cached(spec)
