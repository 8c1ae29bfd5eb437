"""Values that change over time (see ``schedule.py``), their ranges, and the check that they stay
in range at every frame.

A schedule is checked once, when the config loads: a zoom that dips below its minimum at frame
9,000 is a one-line error before the render starts, not a failure hours into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .. import schedule
from ._messages import SHORT
from ._walk import Entry, Section, mark, walk


@dataclass(frozen=True)
class Bounds:
    """Marks a schedulable field and the range its values must stay in, at every frame."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    integer: bool = False

    def problem(self, value: float) -> str | None:
        """Why ``value`` is out of range, or ``None``."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return f"must be {'>' if self.low_open else '≥'} {self.low:g}"
        if self.high is not None and value > self.high:
            return f"must be ≤ {self.high:g}"
        return None


class Keyframes(BaseModel):
    """The explicit form of a keyframed schedule, to choose its interpolation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keyframes: str = Field(description="Keyframes like `0:(1.04), 120:(1.01)`.")
    interpolation: Literal["linear", "smooth"] = Field("linear", description="`smooth`: monotone cubic.")


def plain(spec: float | str | Keyframes) -> float | str | dict[str, Any]:
    """A schedulable value as :func:`schedule.parse` takes it: the :class:`Keyframes` form as the
    mapping it was written as, a number or a text as it is."""
    return spec.model_dump() if isinstance(spec, Keyframes) else spec


def _parses(value: Any) -> Any:
    try:
        schedule.parse(plain(value))
    except schedule.ScheduleError as error:
        raise ValueError(f"bad schedule: {error}") from None
    return value


def _schedule_shape(value: Any) -> Any:
    if isinstance(value, dict):
        try:
            return Keyframes.model_validate(value)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]
            where = ".".join(map(str, problem["loc"]))
            raise ValueError(f"keyframes mapping: {where}: {problem['msg']}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Keyframes)):
        raise ValueError(  # noqa: TRY004 — pydantic reports ValueError as a config error, not TypeError
            'expected a number, maths like "1 + 0.1*sin(t)", or keyframes like "0:(1), 10:(2)"'
            f", got {SHORT.repr(value)}"
        )
    return value


#: A config value that may change over time (see ``schedule.py``): a number, an expression in ``t``,
#: or keyframes. Each field adds its :class:`Bounds`: ``Annotated[Schedulable, Bounds(0, 1000)]``.
Schedulable = Annotated[
    int | float | str | Keyframes,
    BeforeValidator(_schedule_shape),
    AfterValidator(_parses),
]


def check_schedules(
    config: Section, frames: int, time: Callable[[int], schedule.Time], *, needs_audio: bool = False
) -> None:
    """Evaluate every schedulable value of ``config`` at each of its ``frames``; raise (as a
    validation error) naming the first key whose value leaves its range, or, where ``needs_audio``
    (the config has no song), that reads a song's envelope."""
    for entry in walk(config):
        found = [(entry.key, entry.value, entry.mark(Bounds))]
        found += [(key, value, mark(Bounds, annotation)) for key, value, annotation in _items(entry)]
        for key, value, bounds in found:
            if bounds is not None:
                if needs_audio:
                    _check_no_envelopes(key, value)
                _check_schedule(key, value, bounds, frames, time)


def _check_no_envelopes(key: str, value: Any) -> None:
    used = sorted(schedule.parse(plain(value)).names & set(schedule.ENVELOPES))
    if used:
        raise ValueError(f"{key}: {used[0]} is an envelope of a song: add audio.path to use it")


def _items(entry: Entry) -> Iterator[tuple[str, Any, Any]]:
    """``(key, value, annotation)`` of each item of a mapping or tuple field (``dream.layers``,
    ``motion.pan``), whose items may each be schedulable."""
    args = get_args(entry.info.annotation)
    if isinstance(entry.value, dict) and args:
        yield from ((f"{entry.key}.{key}", value, args[1]) for key, value in entry.value.items())
    elif isinstance(entry.value, tuple):
        for index, (value, annotation) in enumerate(zip(entry.value, args, strict=False)):
            yield f"{entry.key}.{index}", value, annotation


def _check_schedule(
    key: str, value: Any, bounds: Bounds, frames: int, time: Callable[[int], schedule.Time]
) -> None:
    compiled = schedule.parse(plain(value))
    if bounds.integer and compiled.constant is not None and not float(compiled.constant).is_integer():
        raise ValueError(f"{key}: must be a whole number, not {compiled.constant:g} (schedules are rounded)")
    for frame in [0] if compiled.constant is not None else range(frames):
        try:
            result = compiled(time(frame))
        except schedule.ScheduleError as error:
            raise ValueError(f"{key}: {error}") from None
        problem = bounds.problem(round(result) if bounds.integer else result)
        if problem:
            where = "" if compiled.constant is not None else f" at frame {frame}"
            raise ValueError(f"{key}: {problem}, but is {result:g}{where}")
