"""ffmpeg: its metadata read back with escapes undone; an encoder dying mid-render is one line and
the render resumes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from dreamzoom.ffmpeg import _ffmetadata

from .conftest import finish, start, wait_for, write_config


def test_ffmetadata_escapes_are_undone():
    text = ';FFMETADATA1\ncomment={"a":"x\\=y\\;z\\\\w\\#"\\\nsecond line}\nencoder=Lavf\n'
    values = _ffmetadata(text)
    assert values["comment"] == '{"a":"x=y;z\\w#"\nsecond line}'
    assert values["encoder"] == "Lavf"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from each process's own ``/proc/PID/stat`` (the
    per-thread ``children`` lists are unreliable while the threads run)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while the list was read
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_ffmpeg_dying_mid_render_is_one_line_and_resumable(tmp_path, reference):
    write_config(tmp_path)
    process = start(tmp_path)
    wait_for(process, "checkpoint: 4/12")
    if not Path(f"/proc/{process.pid}/stat").exists():
        pytest.skip("needs Linux /proc to find the ffmpeg process")
    process.send_signal(signal.SIGSTOP)  # the render stays at the checkpoint while its encoder is found
    encoders = [
        pid for pid in _children(process.pid) if b"ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert encoders, "the next segment's encoder is already running"
    for pid in encoders:
        os.kill(pid, signal.SIGKILL)
    process.send_signal(signal.SIGCONT)
    code, errors = finish(process)
    assert code == 3, errors
    failure = [line for line in errors.splitlines() if line.startswith("dreamzoom: render failed")]
    assert len(failure) == 1 and "ffmpeg" in failure[0]
    assert not (tmp_path / "out" / "clip.mp4").exists()
    code, errors = finish(start(tmp_path, "--resume"))
    assert code == 0, errors
    assert "resuming clip.mp4 after frame 3" in errors, "went on from the first checkpoint"
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == reference[0]
