"""The wording of config errors: one line, the key as written, a guess at a misspelt key."""

from __future__ import annotations

import pytest

from .test_config import error_of


def test_unknown_key_names_the_key_and_suggests_the_right_one():
    message = error_of({"dream": {"stpes": 3}})
    assert "unknown key 'dream.stpes'" in message
    assert "did you mean 'dream.steps'" in message
    assert "unknown key 'sede'" in error_of({"sede": 1}) and "did you mean 'seed'" in error_of({"sede": 1})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"frames": "many"}, "frames: Input should be a valid integer"),
        ({"dream": {"steps": 2.5}}, "dream.steps"),
        ({"dream": {"layers": {"mixed3": "lots"}}}, "dream.layers.mixed3"),
        ({"motion": {"zoom": "fast"}}, "motion.zoom"),
        ({"size": 512}, "size"),
        ({"model": {"weights": 5}}, "model.weights: expected bundled, imagenet, random or the path"),
        ({"output": {"preset": "fastest"}}, "output.preset"),
        ({"source": {"noise": {"kind": "perlin"}}}, "source.noise.kind"),
    ],
)
def test_wrong_types_name_the_key(raw, expected):
    assert expected in error_of(raw)


def test_several_problems_are_counted_on_the_same_line():
    message = error_of({"frames": 0, "seed": -1})
    assert "(and 1 more problem)" in message
