"""Sinks: the writer thread, telemetry rows."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from dreamzoom.sinks import TelemetrySink, WriterThread


class Collect:
    def __init__(self) -> None:
        self.frames: list[int] = []
        self.threads: set[str] = set()

    def write(self, frame: np.ndarray) -> None:
        self.frames.append(int(frame[0, 0, 0]))
        self.threads.add(threading.current_thread().name)

    def close(self) -> None: ...

    def abort(self) -> None: ...


def test_the_writer_thread_keeps_order_and_runs_off_the_main_thread():
    sink = Collect()
    writer = WriterThread([sink], depth=2)
    order = []
    for value in range(20):
        writer.write(np.full((2, 2, 3), value, np.uint8))
        if value == 10:
            writer.call(lambda: order.append(len(sink.frames)))
    writer.stop()
    assert sink.frames == list(range(20))
    assert order == [11], "calls run in order with the frames"
    assert sink.threads == {"dreamzoom-writer"}


def test_an_error_on_the_writer_thread_reaches_the_caller():
    class Broken(Collect):
        def write(self, frame: np.ndarray) -> None:
            raise OSError(28, "No space left on device")

    writer = WriterThread([Broken()])
    writer.write(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(OSError, match="No space left"):
        writer.flush()
    writer.stop()


def test_telemetry_keeps_only_rows_before_a_resume_point(tmp_path):
    path = tmp_path / "t.csv"
    sink = TelemetrySink(path)
    for frame in range(6):
        sink.add({"frame": frame, "dreamed": True, "objective": 1.5, "seconds": 0.25})
    sink.close()
    resumed = TelemetrySink(path, keep=4)
    resumed.add({"frame": 4, "dreamed": False})
    resumed.close()
    rows = path.read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "1", "2", "3", "4"]
    assert rows[5] == "4,0,,,,,,,,"


def test_telemetry_has_a_row_per_frame(reference_folder):
    rows = (reference_folder / "out" / "clip.frames.csv").read_text().splitlines()
    assert (
        rows[0]
        == "frame,dreamed,objective,seconds,luminance,saturation,high_frequency,novelty,thing,confidence"
    )
    assert len(rows) == 13
    first = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert first["dreamed"] == "1" and float(first["objective"]) > 0 and 0 < float(first["luminance"]) < 100
