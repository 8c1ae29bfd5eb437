"""Provenance: what made a video, stored in it and beside it, renders the same video again."""

from __future__ import annotations

import json

from dreamzoom import precision, provenance

from .conftest import decode, dreamzoom_command


def test_provenance_in_the_video_and_beside_it_renders_the_same_again(tmp_path, reference_folder, reference):
    video = reference_folder / "out" / "clip.mp4"
    stored = provenance.read(video)
    assert stored["seed"] == 5 and stored["config"]["dream"]["steps"] == 2
    assert set(stored["versions"]) >= {"dreamzoom", "tensorflow", "keras"}
    used = precision.resolve_precision("auto")  # the checkpointed config leaves model.precision at auto
    assert stored["config"]["model"]["precision"] == used, "the precision used, so --from-video uses it"
    assert stored["runtime"] == provenance.runtime(used)
    assert stored["runtime"]["device"] and set(stored["runtime"]["cpu_flags"]) <= precision.PRECISION_FLAGS
    sidecar = json.loads((reference_folder / "out" / "clip.json").read_text())
    assert sidecar["config"] == stored["config"] and sidecar["run"]["frames"] == 12
    assert sidecar["runtime"] == stored["runtime"]
    copy = tmp_path / "old.mp4"
    copy.write_bytes(video.read_bytes())  # the video alone, without its sidecar
    again = dreamzoom_command("render", "--from-video", "old.mp4", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [f.tobytes() for f in decode(tmp_path / "old-again.mp4")[1]] == [f.tobytes() for f in reference[1]]
    assert provenance.read(tmp_path / "old-again.mp4")["runtime"] == stored["runtime"]
