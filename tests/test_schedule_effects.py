"""Every schedulable setting changes the frames as its schedule says.

Each case renders two short videos that differ only in one setting: a constant in one, a schedule
in the other that agrees with the constant up to frame :data:`AGREE` and moves away after it. The
decoded frames must match where the two agree and differ where they do not. (A schedule that parses
but changes nothing, like layer weights frozen at their frame-0 values, fails here.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dreamzoom

from .conftest import decode, small_config

#: The last frame at which the two renders' settings agree; they differ from the next frame on.
AGREE = 2
FRAMES = 6


def switch(before: float, after: float) -> str:
    """Keyframes holding ``before`` up to frame :data:`AGREE` and ``after`` from the next frame on."""
    return f"0:({before}), {AGREE}:({before}), {AGREE + 1}:({after})"


def render(folder, changes: dict[str, Any]) -> list[np.ndarray]:
    """The decoded frames of a small float32 render of the photo with ``changes``."""
    config = small_config(
        folder,
        frames=FRAMES,
        size=[80, 80],
        model={"precision": "float32"},
        dream={
            "layers": {"mixed3": 1.0, "mixed5": 0.0},
            "steps": 3,
            "first_frame_steps": 3,
            "step_size": 0.005,
            "octaves": 1,
        },
        **changes,
    )
    return decode(dreamzoom.render(config))[1]


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


TERMS = [{"layer": "mixed4", "channels": [5]}, {"layer": "mixed4", "channels": [60]}]

#: ``(name, constant render's changes, scheduled render's changes)``.
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "layer weights",
        {},
        {"dream__layers": {"mixed3": switch(1, 0), "mixed5": switch(0, 1)}},
    ),
    (
        "objective weights",
        {"dream__objectives": [{**TERMS[0], "weight": 1.0}, {**TERMS[1], "weight": 0.0}]},
        {"dream__objectives": [{**TERMS[0], "weight": switch(1, 0)}, {**TERMS[1], "weight": switch(0, 1)}]},
    ),
    (
        "explore.weight",
        {"dream__explore": {"layers": ["mixed4"], "weight": 0.2}},
        {"dream__explore": {"layers": ["mixed4"], "weight": switch(0.2, 3)}},
    ),
    ("colour.strength", {"colour": {"strength": 0.0}}, {"colour": {"strength": switch(0, 1)}}),
    ("motion.zoom", {"motion": {"zoom": 1.05}}, {"motion": {"zoom": switch(1.05, 0.9)}}),
    ("motion.rotate", {"motion": {"rotate": 0.0}}, {"motion": {"rotate": switch(0, 10)}}),
    ("motion.pan", {"motion": {"pan": [0, 0]}}, {"motion": {"pan": [switch(0, 6), 0]}}),
    ("dream.steps", {}, {"dream__steps": switch(3, 12)}),
    ("dream.step_size", {"dream__step_size": 0.005}, {"dream__step_size": switch(0.005, 0.03)}),
    ("dream.octaves", {"dream__octaves": 1}, {"dream__octaves": switch(1, 2), "dream__octave_scale": 1.3}),
    (
        "dream.octave_scale",
        {"dream__octaves": 2, "dream__octave_scale": 1.2},
        {"dream__octaves": 2, "dream__octave_scale": switch(1.2, 1.6)},
    ),
    ("dream.jitter", {"dream__jitter": 0}, {"dream__jitter": switch(0, 16)}),
]


@pytest.mark.parametrize(("name", "constant", "scheduled"), CASES, ids=[case[0] for case in CASES])
def test_a_schedule_changes_the_frames_where_it_differs_and_nowhere_else(tmp_path, name, constant, scheduled):
    held = render(tmp_path / "constant", constant)
    moved = render(tmp_path / "scheduled", {**constant, **scheduled})
    assert len(held) == len(moved) == FRAMES
    agree = [difference(a, b) for a, b in zip(held[: AGREE + 1], moved[: AGREE + 1], strict=True)]
    differ = [difference(a, b) for a, b in zip(held[AGREE + 1 :], moved[AGREE + 1 :], strict=True)]
    assert max(agree) < 0.5, f"{name}: frames 0–{AGREE} should match, differ by {agree}"
    assert min(differ) > 1.5, f"{name}: frames {AGREE + 1}– should differ, differ by only {differ}"
