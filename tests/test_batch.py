"""Batches: each config in turn, going on after a failure, skipping finished videos, resuming
interrupted ones, with a summary and an exit code."""

from __future__ import annotations

import pytest
import yaml

from dreamzoom import batch
from dreamzoom.cli import main

from .conftest import (
    AUDIO_RATE,
    IN_SYNC,
    bursts,
    checkpointed,
    dreamzoom_command,
    kill_at_checkpoint,
    lag,
    pcm,
    write_config,
)


def test_batch_goes_on_after_a_failure_and_summarises(tmp_path, capsys):
    folder = tmp_path / "configs"
    folder.mkdir()
    good = checkpointed(frames=2, output__path=str(tmp_path / "good.mp4"))
    (folder / "a_good.yaml").write_text(yaml.safe_dump(good))
    (folder / "b_bad.yaml").write_text("dream: {stpes: 3}\n")
    bursts(tmp_path / "clicks.wav", seconds=1.0, gap=0.05)
    with_song = {**good, "audio": {"path": str(tmp_path / "clicks.wav")}}
    (folder / "c_good.yaml").write_text(
        yaml.safe_dump({**with_song, "output": {**good["output"], "path": str(tmp_path / "other.mp4")}})
    )
    said: list[str] = []
    outcomes = batch.run_batch([folder], progress=False, notify=said.append)
    assert [o.status for o in outcomes] == ["done", "failed", "done"]
    assert said[0].startswith(f"{folder / 'b_bad.yaml'} will not render: unknown key 'dream.stpes'"), (
        "told before the first render"
    )
    heard, source = pcm(tmp_path / "other.mp4"), pcm(tmp_path / "clicks.wav")
    assert len(heard) == pytest.approx(2 / 12 * AUDIO_RATE, abs=AUDIO_RATE / 12), "the song under 2 frames"
    assert abs(lag(heard, source[: len(heard)])) <= IN_SYNC
    assert "unknown key 'dream.stpes'" in outcomes[1].detail
    assert batch.exit_code(outcomes) == 3
    again = batch.run_batch([folder / "a_good.yaml"], progress=False, notify=lambda line: None)
    assert again[0].status == "skipped" and batch.exit_code(again) == 0
    assert "is finished from this config" in again[0].detail
    changed = batch.run_batch(
        [folder / "a_good.yaml"], [("seed", 99)], progress=False, notify=lambda line: None
    )
    assert (
        changed[0].status == "failed"
        and "is finished, but from another config (seed: 5 → 99)" in changed[0].detail
    )
    summary = batch.table(outcomes)
    assert "2 of 3 succeeded" in summary and "b_bad.yaml" in summary

    assert main(["batch", str(folder), "-q"]) == 3
    out = capsys.readouterr().out
    assert "skipped" in out and "failed" in out


def test_two_configs_of_a_batch_may_not_share_a_video(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_text(yaml.safe_dump(checkpointed(frames=2)))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.mp4").write_bytes(b"finished earlier")  # not dreamzoom's: a/x.yaml fails
    outcomes = batch.run_batch(
        [tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"],
        output_dir=tmp_path / "out",
        progress=False,
        notify=lambda line: None,
    )
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "x.mp4 exists: use --overwrite to replace it" in outcomes[0].detail
    assert outcomes[1].detail == (
        f"output.path: {tmp_path.resolve() / 'out' / 'x.mp4'} is also the video of "
        f"{tmp_path / 'a' / 'x.yaml'}: give each its own"
    )
    assert (tmp_path / "out" / "x.mp4").read_bytes() == b"finished earlier"


def test_batch_resumes_an_interrupted_render(tmp_path, reference):
    write_config(tmp_path)
    kill_at_checkpoint(tmp_path)
    result = dreamzoom_command("batch", "clip.yaml", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stdout
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]
