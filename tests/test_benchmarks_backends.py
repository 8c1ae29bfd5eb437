"""benchmarks/backends.py (issue 27's benchmark) runs and writes the rows it promises, so that the
GPU run it is written for (benchmarks/device.sh, on a machine lent only now and then) does not
first meet a broken script there; and its ratios compare only the same work."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from .conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "backends.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("benchmarks_backends", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def row(who: str, config: str, precision: str, seconds: float, size=(512, 512), steps=10) -> dict:
    return {
        "who": who,
        "config": config,
        "size": list(size),
        "steps": steps,
        "octaves": 2,
        "precision": precision,
        "per_frame_s": seconds,
    }


def test_ratios_set_each_dream_against_the_peers_on_the_same_work_only():
    rows = load_benchmark().with_ratios(
        [
            row("keras.io", "fixed", "float32", 2.0),
            row("torch recipe", "fixed", "bfloat16", 3.0),
            row("dreamzoom", "fixed", "bfloat16", 1.0),
            row("dreamzoom", "fixed", "float32", 4.0),  # no torch recipe in float32
            row("dreamzoom", "fixed", "float32", 1.0, size=(128, 128)),  # nothing at this size
            row("dreamzoom", "default", "bfloat16", 1.0, steps=4),
        ]
    )
    assert rows[2]["vs_kerasio"] == 2.0 and rows[2]["vs_torch_recipe"] == 3.0
    assert rows[3]["vs_kerasio"] == 0.5 and "vs_torch_recipe" not in rows[3]
    assert rows[1]["vs_kerasio"] == 2.0 / 3.0
    assert not any(key.startswith("vs_") for key in {**rows[0], **rows[4], **rows[5]})


def test_the_quick_run_times_dreamzoom_and_its_peers_and_writes_them(tmp_path):
    """A quick run on TensorFlow: dreamzoom's two configs, the keras.io recipe, and the torch recipe
    where PyTorch is installed, each with positive timings, in the JSON and the printed table."""
    out = tmp_path / "backends.json"
    command = [sys.executable, str(SCRIPT), "--quick", "--backends", "tensorflow", "--frames", "1"]
    done = subprocess.run(
        [*command, "--json", str(out)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["failures"] == [], report["failures"]
    torch = importlib.util.find_spec("torch") is not None
    expected = {
        ("dreamzoom", "tensorflow", "default"),
        ("dreamzoom", "tensorflow", "fixed"),
        ("keras.io", "tensorflow", "fixed"),
    } | ({("torch recipe", "torch", "default"), ("torch recipe", "torch", "fixed")} if torch else set())
    assert {(r["who"], r["backend"], r["config"]) for r in report["rows"]} == expected
    for measured in report["rows"]:
        assert measured["first_s"] > 0 and measured["per_frame_s"] > 0 and measured["fps"] > 0, measured
        assert measured["peak_accel_gib"] is None or measured["peak_accel_gib"] > 0
        if measured["who"] != "keras.io":  # its work is written into benchmarks/run.py
            assert (measured["size"], measured["steps"]) == ([128, 128], 2), measured
        if measured["who"] == "dreamzoom" and torch:
            assert measured["vs_torch_recipe"] > 0
    assert report["machine"]["cpu"] and "| dreamzoom | tensorflow |" in done.stdout
