"""Paths in configs: input files resolved and checked, names the system cannot take refused."""

from __future__ import annotations

from pathlib import Path

from dreamzoom import config

from .conftest import SAMPLE_PHOTO, error_of


def test_missing_files_name_the_key_and_the_path(tmp_path):
    message = error_of({"source": {"image": str(tmp_path / "nope.png")}})
    assert message.startswith("source.image: file not found") and "nope.png" in message
    assert error_of({"model": {"weights": "nowhere.h5"}}).startswith("model.weights: file not found")
    assert error_of({"model": {"path": "nowhere.keras"}}).startswith("model.path: file not found")


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
