"""Loading configs: YAML files read safely, `--set` and DREAMZOOM_SET overrides, lengths, resolved configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dreamzoom import config, load_config, resolve, timeline
from dreamzoom.errors import DreamzoomError

from .conftest import ROOT, error_of


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
    assert settings.dream.layers == {"mixed3": 0.2, "mixed4": 2.0}, "added to the default dream's"
    assert "seed is a value, not a section" in error_of({"seed": 3}, [("seed.x", 1)])


def test_shipped_configs_are_valid_and_use_the_bundled_weights(monkeypatch):
    monkeypatch.chdir(ROOT)
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        settings = config.load(path)
        assert settings.model.weights == "bundled", path.name
        assert settings.source.image is None or settings.source.image.is_file()
    default = config.load(ROOT / "configs" / "default.yaml")
    assert default.size == (512, 512) and default.frame_count == 96
    assert set(default.dream.layers) == {"mixed3"}
    explorers = [
        path.stem for path in sorted((ROOT / "configs").glob("*.yaml")) if config.load(path).dream.explore
    ]
    assert explorers == ["crossfade", "default", "loop", "music", "noise", "song"], (
        "class and guide configs keep their aim"
    )
    assert config.load(ROOT / "configs" / "noise.yaml").source.noise is not None


def test_load_config_keyword_overrides():
    settings = load_config({"frames": 5}, motion__zoom=1.1, **{"dream.steps": 4})
    assert (settings.frame_count, settings.motion.zoom, settings.dream.steps) == (5, 1.1, 4)


def test_setting_a_layer_on_a_dream_of_objectives_adds_only_that_layer():
    raw = {"model": {"name": "squeezenet"}, "dream": {"objectives": [{"class": "banana"}]}}
    terms = config.load(raw, [("dream.layers.fire2", 0.5)]).dream.terms()
    assert [(term.layer, term.weight) for term in terms] == [("fire2", 0.5), (None, 1.0)]
    classic = {"dream": {"explore": None}}
    assert list(config.load(classic, [("dream.layers.mixed4", 2.0)]).dream.layers) == [
        "mixed3",
        "mixed5",
        "mixed4",
    ]


def test_a_minimal_config_gets_the_default_configs_settings(monkeypatch):
    """Just a photo and a size: everything else is what configs/default.yaml measured best."""
    monkeypatch.chdir(ROOT)
    shipped = config.load(ROOT / "configs" / "default.yaml", [("size", [128, 128])])
    photo = str(shipped.source.image)  # the same photo, spelt as the config resolves it
    minimal = config.load({"source": {"image": photo}, "size": [128, 128], "seconds": 4})
    for section in ("source", "model", "dream", "motion", "colour"):
        mine, theirs = getattr(minimal, section).model_dump(), getattr(shipped, section).model_dump()
        if section == "dream":  # the config spells out what the minimal one leaves to its photo
            assert mine.pop("first_frame_steps") is None and theirs.pop("first_frame_steps") == 4
        assert mine == theirs, section
    assert timeline.frame_params(resolve.plan(minimal), 0) == timeline.frame_params(resolve.plan(shipped), 0)
    assert (minimal.cadence, minimal.frame_count, minimal.seed) == (shipped.cadence, shipped.frame_count, 0)


def test_tuning_the_default_dream_keeps_the_rest_of_it():
    tuned = config.load({}, [("dream.explore.seconds", 4.0), ("dream.layers.mixed4", 0.5)]).dream
    assert tuned.explore is not None and tuned.explore.seconds == 4.0 and "food" in tuned.explore.classes
    assert tuned.layers == {"mixed3": 0.2, "mixed4": 0.5}
    assert config.load({"dream": {"objectives": [{"layer": "mixed2"}]}}).dream.explore is None, (
        "a dream that names its aim dreams that alone"
    )


def test_a_video_source_dreams_every_frame_by_default():
    assert config.load({}).cadence == 2
    video = config.load({"source": {"video": {"path": str(ROOT / "samples" / "pan.mp4")}}})
    assert video.cadence == 1


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
        (
            "frames: " + "9" * 5000,
            "line 1: invalid YAML: a number of 5000 characters is longer than any setting takes",
        ),
        ("seed: 2024-02-30", "invalid YAML: day is out of range for month"),
    ],
    ids=["5000 digits", "no such date"],
)
def test_values_yaml_cannot_build_are_invalid_yaml(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    assert problem in error_of(path)
    with pytest.raises(DreamzoomError, match=r"cannot read '.*' as a value"):
        config.parse_set(text.replace(": ", "="))


def test_the_environment_applies_once_so_explicit_overrides_survive_a_reload(monkeypatch):
    monkeypatch.setenv(config.ENVIRONMENT, "frames=12 size=[128,128]")
    settings = config.load({"seconds": 2}, [("seconds", 1), ("size", [64, 64])])
    assert (settings.frame_count, settings.size) == (24, (64, 64))
    again = config.load(settings)  # what dreamzoom.render(config) does
    assert (again.frame_count, again.size) == (24, (64, 64))
    resolved = config.load(config.resolved(settings), environment=False)  # a Ray worker's reload
    assert (resolved.frame_count, resolved.size) == (24, (64, 64))
    raw = {"dream": {"layers": {"mixed3": 1.0}}}
    config.load(raw, [("dream.layers.mixed4", 2.0)])
    assert raw == {"dream": {"layers": {"mixed3": 1.0}}}, "the caller's mapping is left as it was"


def test_a_length_override_keeps_a_conflict_written_in_the_file_and_null_removes_only_its_key(monkeypatch):
    assert config.load({"frames": 5}, [("seconds", None)]).frame_count == 5
    monkeypatch.setenv(config.ENVIRONMENT, "frames=12")
    assert "give one, not both" in error_of({"frames": 3, "seconds": 1})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cadence: 0x" + "f" * 4000, "line 1: invalid YAML: a number of 4002 characters is longer than"),
        ("seed: 1" + ":59" * 30, "a number of 91 characters is longer than any setting takes"),
    ],
)
def test_integers_longer_than_any_setting_are_refused_while_reading(tmp_path, text, expected):
    file = tmp_path / "big.yaml"
    file.write_text(text + "\n")
    assert expected in error_of(file)
    with pytest.raises(DreamzoomError, match=r"^--set frames: cannot read .* a number of 5002 characters"):
        config.parse_set("frames=0x" + "f" * 5000)


def test_a_huge_integer_from_python_is_shown_by_its_size():
    assert error_of({"cadence": 10**5000}).startswith(
        "cadence: Input should be less than or equal to 32 (got an integer of about 5000 digits)"
    )


def test_a_sweep_cell_dreams_its_term_alone(monkeypatch):
    monkeypatch.chdir(ROOT)
    default = config.load(ROOT / "configs" / "default.yaml")
    cell = config.with_objectives(default, [config.Term(layer="mixed2")])
    assert cell.dream.explore is None and [t.layer for t in cell.dream.terms()] == ["mixed2"]
    assert cell.motion == default.motion and cell.cadence == default.cadence


def test_a_draft_of_a_loop_keeps_the_loop_s_share(monkeypatch, tmp_path):
    """The README's draft recipe on the shipped loop: 12 frames of a 144-frame loop lead back over
    4 (its third), and the draft renders (it was refused: 48 lead-back frames of 12). A loop length set
    with the draft stays as set; a length given in seconds scales it too."""
    import json

    import dreamzoom
    from dreamzoom import provenance

    shipped = ROOT / "configs" / "loop.yaml"
    assert (config.load(shipped).loop.frames, config.load(shipped).frame_count) == (48, 144)
    assert config.load(shipped, [("frames", 12)]).loop.frames == 4
    assert config.load(shipped, [("seconds", 12)]).loop.frames == 96
    assert config.load(shipped, [("frames", 12), ("loop.frames", 6)]).loop.frames == 6
    monkeypatch.setenv(config.ENVIRONMENT, "size=[64,64] frames=12 dream.steps=1 dream.first_frame_steps=1")
    settings = dreamzoom.load_config(shipped, **{"output.path": str(tmp_path / "draft.mp4")})
    dreamzoom.render(settings, progress=False)
    sidecar = json.loads(provenance.sidecar_path(tmp_path / "draft.mp4").read_text())
    assert sidecar["config"]["loop"]["frames"] == 4, "rendered (48 lead-back frames of 12 were refused)"
