"""The config schema, loading, overrides and every kind of config error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dreamzoom import config, load_config
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, SAMPLE_PHOTO


def error_of(raw, overrides=()) -> str:
    with pytest.raises(DreamzoomError) as caught:
        config.load(raw, overrides)
    message = str(caught.value)
    assert "\n" not in message, "config errors are one line"
    return message


def test_defaults_render_smooth_noise_to_renders_folder():
    settings = config.load({})
    assert settings.size == (512, 512)
    assert settings.frame_count == 96
    assert settings.source.noise is not None and settings.source.noise.kind == "smooth"
    assert settings.model.weights == "bundled"
    assert settings.dream.layers == {"mixed3": 1.0, "mixed5": 1.5}
    assert settings.dream.first_frame_steps is None and settings.dream.steps == 6
    assert settings.output.path == Path("renders/dreamzoom.mp4")


def test_seconds_become_frames_at_the_output_rate():
    assert config.load({"seconds": 2.5, "output": {"fps": 30}}).frame_count == 75
    assert config.load({"frames": 7}).frame_count == 7


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"frames": 0}, "frames: Input should be greater than or equal to 1 (got 0)"),
        ({"dream": {"octave_scale": 1.0}}, "dream.octave_scale"),
        ({"dream": {"step_size": -0.1}}, "dream.step_size"),
        ({"output": {"crf": 60}}, "output.crf"),
        ({"motion": {"zoom": 0}}, "motion.zoom"),
        ({"size": [16, 16]}, "outside 32–16384"),
    ],
)
def test_out_of_range_values_name_the_key(raw, expected):
    assert expected in error_of(raw)


def test_odd_size_is_an_error_that_says_why():
    message = error_of({"size": [512, 301]})
    assert "height 301 is odd" in message and "yuv420p" in message


def test_conflicting_keys():
    assert "give one, not both" in error_of({"frames": 3, "seconds": 2})
    assert "either image or noise" in error_of({"source": {"image": str(SAMPLE_PHOTO), "noise": {}}})
    assert "drop name and weights" in error_of({"model": {"path": str(SAMPLE_PHOTO), "weights": "random"}})


@pytest.mark.parametrize(
    ("written", "override", "frames"),
    [
        ({"seconds": 4}, ("frames", 60), 60),
        ({"frames": 10}, ("seconds", 2), 48),
        ({"frames": 10, "output": {"fps": 12}}, ("seconds", 2.5), 30),
        ({}, ("frames", 7), 7),
    ],
)
def test_a_length_override_replaces_the_length_the_config_gives(written, override, frames):
    settings = config.load(written, [override])
    assert settings.frame_count == frames
    assert (settings.frames, settings.seconds) == (
        (override[1], None) if override[0] == "frames" else (None, override[1])
    )


def test_of_several_length_overrides_the_last_wins_and_the_api_takes_them_too(tmp_path):
    assert config.load({"seconds": 4}, [("frames", 9), ("seconds", 1)]).frame_count == 24
    file = tmp_path / "long.yaml"
    file.write_text("seconds: 30\n")
    assert load_config(file, frames=48).frame_count == 48
    assert load_config(ROOT / "configs" / "default.yaml", frames=48).frame_count == 48
    assert "give one, not both" in error_of({"frames": 3, "seconds": 2}, [("motion.zoom", 1.01)])


def test_environment_overrides_apply_to_every_config_before_the_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENVIRONMENT, "size=[64,64] frames=2 'motion.rotate=1 + t/10'")
    settings = config.load({"seconds": 10, "size": [512, 512]})
    assert settings.size == (64, 64) and settings.frame_count == 2
    assert settings.motion.rotate == "1 + t/10"
    assert config.load({}, [("frames", 5)]).frame_count == 5, "--set wins over the environment"
    monkeypatch.setenv(config.ENVIRONMENT, "size")
    assert error_of({}).startswith("DREAMZOOM_SET: --set expects KEY=VALUE")
    monkeypatch.setenv(config.ENVIRONMENT, "frames='2")
    assert error_of({}).startswith("DREAMZOOM_SET: cannot split")


def test_missing_files_name_the_key_and_the_path(tmp_path):
    message = error_of({"source": {"image": str(tmp_path / "nope.png")}})
    assert message.startswith("source.image: file not found") and "nope.png" in message
    assert error_of({"model": {"weights": "nowhere.h5"}}).startswith("model.weights: file not found")
    assert error_of({"model": {"path": "nowhere.keras"}}).startswith("model.path: file not found")


def test_several_problems_are_counted_on_the_same_line():
    message = error_of({"frames": 0, "seed": -1})
    assert "(and 1 more problem)" in message


def test_yaml_files_are_read_safely_with_line_numbers(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("size: [64, 64]\ndream:\n  steps: 3\n   octaves: 2\n")
    assert "line 4" in error_of(bad)
    python_tag = tmp_path / "tag.yaml"
    python_tag.write_text("seed: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in error_of(python_tag)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    assert "must be a mapping" in error_of(listing)
    assert "config file not found" in error_of(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert config.load(empty).output.path == Path("renders/empty.mp4")


def test_set_overrides_parse_values_as_yaml():
    assert config.parse_set("motion.zoom=1.03") == ("motion.zoom", 1.03)
    assert config.parse_set("size=[256, 128]") == ("size", [256, 128])
    assert config.parse_set("output.frames_dir=null") == ("output.frames_dir", None)
    assert config.parse_set("dream.layers={mixed4: 2}") == ("dream.layers", {"mixed4": 2})
    with pytest.raises(DreamzoomError, match="KEY=VALUE"):
        config.parse_set("motion.zoom")
    settings = config.load({}, [("motion.zoom", 1.03), ("dream.layers.mixed4", 2.0), ("frames", 60)])
    assert settings.motion.zoom == 1.03 and settings.frame_count == 60
    assert settings.dream.layers == {"mixed3": 1.0, "mixed5": 1.5, "mixed4": 2.0}
    assert "seed is a value, not a section" in error_of({"seed": 3}, [("seed.x", 1)])


def test_input_paths_resolve_against_the_config_file_and_overrides_against_the_cwd(tmp_path, monkeypatch):
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "pic.png").write_bytes(SAMPLE_PHOTO.read_bytes())
    (tmp_path / "other.png").write_bytes(SAMPLE_PHOTO.read_bytes())
    file = folder / "c.yaml"
    file.write_text("source:\n  image: pic.png\noutput:\n  path: out/c.mp4\n")
    monkeypatch.chdir(tmp_path)
    settings = config.load(file)
    assert settings.source.image == folder / "pic.png"
    assert settings.output.path == Path("out/c.mp4"), "outputs stay relative to where dreamzoom runs"
    overridden = config.load(file, [("source.image", "other.png")])
    assert overridden.source.image == tmp_path / "other.png"


def test_shipped_configs_are_valid_and_use_the_bundled_weights(monkeypatch):
    monkeypatch.chdir(ROOT)
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        settings = config.load(path)
        assert settings.model.weights == "bundled", path.name
        assert settings.source.image is None or settings.source.image.is_file()
    default = config.load(ROOT / "configs" / "default.yaml")
    assert default.size == (512, 512) and default.frame_count == 96
    assert set(default.dream.layers) == {"mixed3", "mixed5"}
    assert config.load(ROOT / "configs" / "noise.yaml").source.noise is not None


def test_load_config_keyword_overrides():
    settings = load_config({"frames": 5}, motion__zoom=1.1, **{"dream.steps": 4})
    assert (settings.frame_count, settings.motion.zoom, settings.dream.steps) == (5, 1.1, 4)


def test_config_loading_does_not_import_tensorflow():
    code = "import sys, dreamzoom.config as c; c.load({}); print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_objective_terms_are_validated_with_their_keys(tmp_path):
    def terms(*items):
        return {"dream": {"objectives": list(items)}}

    assert "dream.objectives.0: a class term takes only class and weight" in error_of(
        terms({"class": "banana", "layer": "mixed3"})
    )
    assert "give layer" in error_of(terms({"channels": [3]}))
    assert "dream.objectives.1.channels.0" in error_of(
        terms({"layer": "mixed3"}, {"layer": "mixed4", "channels": [-1]})
    )
    message = error_of(terms({"layer": "mixed3", "chanels": [1]}))
    assert "unknown key 'dream.objectives.0.chanels' (did you mean 'dream.objectives.0.channels'?)" in message
    assert error_of(terms({"guide": str(tmp_path / "no.jpg"), "layer": "mixed3"})).startswith(
        "dream.objectives.0.guide: file not found"
    )


def test_objectives_replace_the_default_layers_unless_layers_are_given():
    only = config.load({"dream": {"objectives": [{"class": 954}]}}).dream.terms()
    assert [term.kind for term in only] == ["class"]
    both = config.load(
        {"dream": {"layers": {"mixed4": 1.0}, "objectives": [{"layer": "mixed2", "channels": [7]}]}}
    )
    assert [(term.kind, term.layer) for term in both.dream.terms()] == [
        ("layer", "mixed4"),
        ("channel", "mixed2"),
    ]
    assert [term.layer for term in config.load({}).dream.terms()] == ["mixed3", "mixed5"]
    assert error_of({"dream": {"layers": {}}}) == "dream.layers: give at least one layer or objective"


def test_setting_a_layer_on_a_dream_of_objectives_adds_only_that_layer():
    raw = {"model": {"name": "squeezenet"}, "dream": {"objectives": [{"class": "banana"}]}}
    terms = config.load(raw, [("dream.layers.fire2", 0.5)]).dream.terms()
    assert [(term.layer, term.weight) for term in terms] == [("fire2", 0.5), (None, 1.0)]
    assert list(config.load({}, [("dream.layers.mixed4", 2.0)]).dream.layers) == [
        "mixed3",
        "mixed5",
        "mixed4",
    ]


def test_a_checkpoint_fingerprint_ignores_how_the_video_path_is_spelt(tmp_path, monkeypatch):
    from dreamzoom import checkpoint

    monkeypatch.chdir(tmp_path)
    relative = config.resolved(config.load({"output": {"path": "renders/x.mp4"}}))
    absolute = config.resolved(config.load({"output": {"path": str(tmp_path / "renders" / "x.mp4")}}))
    assert relative["output"]["path"] != absolute["output"]["path"]
    assert checkpoint.fingerprint(relative) == checkpoint.fingerprint(absolute)
    assert checkpoint.differences(relative, absolute) == []
    steps = config.resolved(config.load({"output": {"path": "renders/x.mp4"}, "dream": {"steps": 3}}))
    assert checkpoint.fingerprint(relative) != checkpoint.fingerprint(steps)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"seconds": float("inf")}, "seconds: Input should be a finite number (got inf)"),
        (
            {"source": {"noise": {"scale": float("nan")}}},
            "source.noise.scale: Input should be a finite number",
        ),
        ({"frames": 100_000_000}, "frames: 100000000 is more than the 1,000,000 frames one render may have"),
        ({"seconds": 1e300}, "seconds: 1e+300 is more than the 1,000,000 frames one render may have"),
    ],
)
def test_infinite_and_absurd_values_are_one_line_errors(raw, problem):
    assert error_of(raw).startswith(problem)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"seconds": 1e308}, "seconds: 1e+308 is more than the 1,000,000 frames one render may have"),
        ({"motion": {"zoom": 10**400}}, "motion.zoom: bad schedule: 1000"),
        ({"motion": {"zoom": "+".join(["1"] * 3000)}}, "motion.zoom: bad schedule: '1+1+1+1+1+1+...1+1+1+"),
        ({"motion": {"zoom": "sin(" * 150 + "t" + ")" * 150}}, "nests more than 100 levels deep"),
        ({"motion": {"rotate": "((9**999)**999)**999"}}, "motion.rotate: cannot evaluate at frame 0"),
        (
            {"motion": {"zoom": "t" * 10_001}},
            "10,001 characters is longer than the 10,000 a schedule may have",
        ),
        (
            {"source": {"noise": {"scale": 1e308}}},
            "source.noise.scale: Input should be less than or equal to 1024",
        ),
        ({"output": {"fps": 0.0001}}, "output.fps: Input should be greater than or equal to 0.001"),
        (
            {"dream": {"first_frame_steps": 10**12}},
            "dream.first_frame_steps: Input should be less than or equal",
        ),
        (
            {"dream": {"objectives": [{"layer": "mixed3"}] * 65}},
            "dream.objectives: List should have at most 64",
        ),
        (
            {"dream": {"objectives": [{"layer": "mixed3", "channels": list(range(4097))}]}},
            "at most 4096 items",
        ),
    ],
    ids=[
        "seconds",
        "huge-int",
        "long-sum",
        "deep-calls",
        "power-tower",
        "long-text",
        "noise",
        "fps",
        "steps",
        "terms",
        "channels",
    ],
)
def test_values_past_what_python_ffmpeg_or_memory_take_are_one_line_errors(raw, problem):
    assert problem in error_of(raw)


def test_deep_nesting_is_refused_before_anything_recurses_through_it(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("dream:\n  layers: " + "[" * 5000 + "]" * 5000 + "\n")
    assert error_of(deep) == f"{deep} line 2: invalid YAML: nested more than 32 levels deep"
    loop = tmp_path / "loop.yaml"
    loop.write_text("dream: &loop {layers: *loop}\n")  # an alias inside itself: endlessly deep
    assert error_of(loop) == "dream: nested more than 32 levels deep"
    nested: object = 1
    for _ in range(40):
        nested = {"a": nested}
    assert error_of({"motion": nested}) == "motion: nested more than 32 levels deep"
    with pytest.raises(DreamzoomError) as caught:
        config.parse_set("motion.zoom=" + "{a: " * 40 + "1" + "}" * 40)
    assert str(caught.value).endswith("...}}}}}}}}}}}}}}}}}}' as a value: nested more than 32 levels deep")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frames: " + "9" * 5000, "invalid YAML: Exceeds the limit (4300 digits)"),
        ("seed: 2024-02-30", "invalid YAML: day is out of range for month"),
    ],
)
def test_values_yaml_cannot_build_are_invalid_yaml(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    assert problem in error_of(path)
    with pytest.raises(DreamzoomError, match=r"cannot read '.*' as a value"):
        config.parse_set(text.replace(": ", "="))


def test_input_files_must_be_files_the_system_can_name(tmp_path):
    assert (
        error_of({"source": {"image": str(tmp_path)}}) == f"source.image: {tmp_path} is a folder, not a file"
    )
    guide = {"dream": {"objectives": [{"layer": "mixed3", "guide": str(tmp_path)}]}}
    assert error_of(guide) == f"dream.objectives.0.guide: {tmp_path} is a folder, not a file"
    assert error_of({"model": {"path": "~nobody-at-all/x.keras"}}).startswith(
        "model.path: cannot find the home folder in '~nobody-at-all/x.keras'"
    )
    assert "holds a null byte" in error_of({"model": {"weights": "w\x00.h5"}})
    assert "a name of 256 bytes, more than the 255 that fit" in error_of({"source": {"image": "x" * 256}})
    assert "as a full path, more than the" in error_of({"source": {"image": "d/" * 2100}})
