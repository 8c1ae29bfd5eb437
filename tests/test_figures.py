"""Every figure the tool prints is true: a render's novelty line and sidecar are what ``dreamzoom
inspect`` finds in the same video, counts are counted (and singular where they are one), and class
names are quoted, so that ImageNet's "stole" does not read as a verb."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from dreamzoom.cli import main

from .conftest import SAMPLES, dreamzoom_command, small_config


def novelty_line(stderr: str) -> str:
    """The figures a finished render prints after ``novelty: ``."""
    lines = [line for line in stderr.splitlines() if line.startswith("novelty: ")]
    assert len(lines) == 1, stderr
    return lines[0].removeprefix("novelty: ")


def test_a_renders_novelty_figures_are_what_inspect_prints_for_its_video(tmp_path):
    # 12 frames at 4 fps: every frame judged, 3 s long, so frames 2 s apart can be compared. A cat
    # dreamed lightly: the referee names it in some frames.
    config = tmp_path / "clip.yaml"
    cat = str(SAMPLES / "chelsea.png")
    config.write_text(yaml.safe_dump(small_config(tmp_path, frames=12, output__fps=4, source__image=cat)))
    rendered = dreamzoom_command("render", str(config), "-o", "clip.mp4", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    line = novelty_line(rendered.stderr)
    video = tmp_path / "clip.mp4"
    facts = json.loads(video.with_suffix(".json").read_text())["run"]["novelty"]
    inspected = dreamzoom_command("inspect", str(video))
    assert inspected.returncode == 0, inspected.stderr
    alike, commonest, motifs, _, named = inspected.stdout.splitlines()[:5]
    # frames 2 s apart alike: 87% (median; …)  ↔  frames 2 s apart 87% alike
    share = re.fullmatch(r"frames 2 s apart alike: (\d+%) \(median; .*\)", alike)
    assert share and line.startswith(f"frames 2 s apart {share[1]} alike, "), (line, alike)
    assert f"{facts['similarity_2s']:.0%}" == share[1]
    # commonest class: "jersey" in 50% of 12 sampled frames  ↔  commonest class "jersey" in 50% of …
    quoted = re.fullmatch(r'commonest class: ("[^"]+" in (\d+)% of 12 sampled frames)', commonest)
    assert quoted and f"commonest class {quoted[1]}, " in line, (line, commonest)
    assert quoted[1] == f'"{facts["commonest_class"]}" in {facts["commonest_share"]:.0%} of 12 sampled frames'
    assert facts["samples"] == 12
    # motifs among 8 frames across the run: 2  ↔  2 motifs among 8 frames
    counted = re.fullmatch(r"motifs among 8 frames across the run: (\d+)", motifs)
    assert counted and int(counted[1]) == facts["motifs"] and facts["motif_frames"] == 8
    noun = "motif" if facts["motifs"] == 1 else "motifs"
    assert f", {facts['motifs']} {noun} among 8 frames, " in line, line
    # things the referee names (top-1 p ≥ 0.3): 42% of sampled frames (median confidence 0.28);
    # 2 distinct things: "tabby", "Egyptian cat"  ↔  things named in 42% (2 distinct things)
    things = re.fullmatch(r"things the referee names \(top-1 p ≥ 0.3\): (\d+)% of sampled frames .*", named)
    assert things and facts["referee"] == "efficientnet-lite0", named
    assert facts["named_share"] > 0 and f"{facts['named_share']:.0%}" == f"{things[1]}%"
    assert any("cat" in name for name in facts["things_named"]), facts
    distinct = len(facts["things_named"])
    assert line.endswith(f", things named in {things[1]}% ({distinct} distinct thing{'s' * (distinct != 1)})")


def test_a_short_render_counts_its_frames_and_says_one_frame(tmp_path, capsys):
    config = tmp_path / "clip.yaml"
    config.write_text(yaml.safe_dump(small_config(tmp_path)))
    # 4 frames at 12 fps: frames 0 and 3 judged (4 a second), so motifs are counted among 2 frames.
    assert main(["render", str(config), "--set", "frames=4"]) == 0
    err = capsys.readouterr().err
    assert "(4 frames, 0.3 s, 96×96, 12 fps, silent, " in err
    line = novelty_line(err)
    assert re.search(
        r" in \d+% of 2 sampled frames, (1 motif|2 motifs) among 2 frames, (no things named|things named in \d+% \(\d+ distinct things?\))$",
        line,
    ), line
    assert main(["render", str(config), "--set", "frames=1", "-o", str(tmp_path / "one.mp4")]) == 0
    err = capsys.readouterr().err
    assert "(1 frame, 0.1 s, 96×96, 12 fps, silent, " in err
    named = r"(no things named|things named in 100% \(1 distinct thing\))"
    assert re.search(rf" in 100% of 1 sampled frame, 1 motif among 1 frame, {named}$", novelty_line(err))
    assert main(["validate", str(config), "--set", "frames=1"]) == 0
    assert capsys.readouterr().out.strip() == f"{config}: ok (1 frame, 96×96)"


@pytest.mark.parametrize("frames", [1, 2])
def test_the_checkpoint_message_counts_what_it_keeps(tmp_path, frames):
    """A render stopped with a checkpoint is never silently restarted; the refusal says what is kept."""
    from dreamzoom import config
    from dreamzoom.checkpoint import Checkpoint
    from dreamzoom.errors import DreamzoomError
    from dreamzoom.renderer import run

    settings = config.load(small_config(tmp_path))
    checkpoint = Checkpoint(tmp_path / "out.mp4")
    checkpoint.start(config.resolved(settings))
    checkpoint.commit([], frames, {})
    with pytest.raises(DreamzoomError) as error:
        run(settings, progress=False)
    kept = "frame 0" if frames == 1 else "frames 0–1"
    assert str(error.value) == (
        f"output.path: an interrupted render of {tmp_path / 'out.mp4'} is waiting (the checkpoint keeps "
        f"{kept}): add --resume to continue, or --overwrite to start over"
    )
