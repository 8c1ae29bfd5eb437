"""The wording of config errors: one line, the key as written, a guess at a misspelt key."""

from __future__ import annotations

import pytest

from .conftest import error_of


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"size": 512}, "size: give [width, height], e.g. [512, 512] (got 512)"),
        ({"size": [512]}, "size: give [width, height], e.g. [512, 512] (got [512])"),
        ({"size": [512, 512, 3]}, "size: give [width, height], e.g. [512, 512] (got [512, 512, 3])"),
        ({"motion": {"pan": 3}}, "motion.pan: give [x, y], e.g. [0.0, 0.0] (got 3)"),
        ({"source": 3}, "source: give a section of keys (image, fit, noise, video), e.g. {image: …} (got 3)"),
    ],
)
def test_a_value_in_the_wrong_shape_is_shown_the_right_one(raw, expected):
    assert error_of(raw) == expected


def test_a_source_may_be_just_its_file(tmp_path):
    """`source: photo.png` is `source: {image: photo.png}`; `source: clip.mp4` and `source: {video:
    clip.mp4}` are `source: {video: {path: clip.mp4}}` (so a video's cadence default, 1, holds too)."""
    from dreamzoom import config

    from .conftest import ROOT

    photo, clip = ROOT / "samples" / "chelsea.png", ROOT / "samples" / "pan.mp4"
    spelt = config.load({"source": {"image": str(photo)}})
    assert config.load({"source": str(photo)}) == spelt
    videos = [
        config.load({"source": s}) for s in (str(clip), {"video": str(clip)}, {"video": {"path": str(clip)}})
    ]
    assert (
        videos[0] == videos[1] == videos[2] and videos[0].cadence == 1 and videos[0].source.video.path == clip
    )
