"""Batches and sweeps on Ray: a private local Ray started inside the test run, a worker killed
mid-render, outputs identical to a local run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import yaml

from dreamzoom import batch, config, preview
from dreamzoom.config import Term

from .conftest import AUDIO_RATE, IN_SYNC, bursts, checkpointed, decode, dreamzoom_command, lag, pcm

ray = pytest.importorskip("ray")


def base(**changes: Any) -> dict[str, Any]:
    """The checkpointed small config as these batches render it: the default seed, a zoom without a
    turn, and the video where the batch puts it."""
    return checkpointed(**{"seed": None, "motion": {"zoom": 1.04}, "output__path": None, **changes})


@pytest.fixture(scope="module")
def local_ray():
    """A Ray instance of this test run alone (no external service), two CPUs."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def configs(tmp_path):
    """Configs a and b (a with a song, which its video must keep when Ray retries it) and a broken c."""
    folder = tmp_path / "configs"
    folder.mkdir()
    bursts(tmp_path / "clicks.wav", seconds=2.0, gap=0.1)
    song = {"audio": {"path": str(tmp_path / "clicks.wav")}}
    for name, seed, extra in (("a", 1, song), ("b", 2, {})):
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(base(seed=seed, **extra)))
    (folder / "c_broken.yaml").write_text("motion: {zoom: 0}\n")
    return folder


def test_a_batch_on_ray_survives_a_killed_worker_and_matches_a_local_run(local_ray, configs, tmp_path):
    from dreamzoom import cluster

    lines: list[str] = []
    killed: list[int] = []

    def kill_a_mid_render(progress) -> None:
        pid = ray.get(progress.wait_for.remote(str(configs / "a.yaml"), "checkpoint: 4/12"))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    outcomes = cluster.run_batch(
        [configs], output_dir=tmp_path / "ray", cpus=1, notify=lines.append, on_progress=kill_a_mid_render
    )
    assert killed, "worker a was killed after its first checkpoint"
    statuses = {outcome.config.rsplit("/", 1)[-1]: outcome.status for outcome in outcomes}
    assert statuses == {"a.yaml": "resumed", "b.yaml": "done", "c_broken.yaml": "failed"}
    assert any(line.startswith(f"{configs / 'a.yaml'}: retried") for line in lines), lines
    assert "motion.zoom: must be ≥ 0.1" in outcomes[2].detail
    assert batch.exit_code(outcomes) == 3

    local = batch.run_batch(
        [configs], output_dir=tmp_path / "local", progress=False, notify=lambda line: None
    )
    assert [o.status for o in local] == ["done", "done", "failed"]
    for name in ("a", "b"):
        on_ray = decode(tmp_path / "ray" / f"{name}.mp4")[1]
        here = decode(tmp_path / "local" / f"{name}.mp4")[1]
        assert len(on_ray) == len(here) == 12
        assert all(np.array_equal(x, y) for x, y in zip(on_ray, here, strict=True)), name
    heard, source = pcm(tmp_path / "ray" / "a.mp4"), pcm(tmp_path / "clicks.wav")
    np.testing.assert_array_equal(heard, pcm(tmp_path / "local" / "a.mp4"))
    assert len(heard) == pytest.approx(AUDIO_RATE, abs=AUDIO_RATE / 12), "the song under 12 frames at 12 fps"
    assert abs(lag(heard, source[:AUDIO_RATE])) <= IN_SYNC


def test_a_sweep_on_ray_gives_the_local_sweep(local_ray, tmp_path):
    from dreamzoom import cluster

    loaded = config.load(base(frames=1, output={"path": str(tmp_path / "x.mp4")}))
    cells = [("mixed0", Term(layer="mixed0")), ("mixed4:3", Term(layer="mixed4", channels=[3]))]
    remote = cluster.run_sweep(loaded, cells, None, 1, 0)
    here = preview.sweep(loaded, cells)
    assert [label for label, _ in remote] == ["mixed0", "mixed4:3"]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(remote, here, strict=True))


def test_without_ray_nothing_of_ray_is_imported(configs, tmp_path):
    code = (
        "import sys\n"
        "from dreamzoom.cli import main\n"
        f"main(['batch', {str(configs / 'c_broken.yaml')!r}, '-q'])\n"
        "print('ray' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_command_line_runs_a_batch_on_ray(local_ray, configs, capsys):
    from dreamzoom.cli import main

    assert main(["batch", str(configs / "c_broken.yaml"), "--ray", "--task-cpus", "1"]) == 3
    captured = capsys.readouterr()
    assert "c_broken.yaml: failed" in captured.err and "0 of 1 succeeded" in captured.out


def test_an_unreachable_or_malformed_address_fails_at_once_in_one_line(configs):
    with socket.socket() as listener:  # a port that was free a moment ago: nothing listens there now
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    for address, problem in (
        (f"127.0.0.1:{port}", f"cannot reach a Ray cluster at 127.0.0.1:{port}: Connection refused"),
        ("head-node", "'head-node' is not a Ray address"),
    ):
        result = dreamzoom_command(
            "batch",
            str(configs / "c_broken.yaml"),
            "--ray",
            address,
            timeout=60,  # Ray alone would retry an unreachable head for minutes
        )
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"dreamzoom: error: --ray: {problem}")
