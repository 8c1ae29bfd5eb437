"""Novelty: the independent judge ranks a collapsed sequence below a varied one, the watch warns on
a collapsed run and carries its looks through a checkpoint, and a render's sidecar and telemetry
hold the figures."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from dreamzoom import config, novelty
from dreamzoom.renderer import run

from .conftest import PHOTOS, TOUR_FPS, sample, small_config, touring, zooming

FPS = TOUR_FPS  # judged 4 times a second: every other frame


def looks_of(frames: list[np.ndarray], fps: int = FPS) -> tuple[list[novelty.Look], float]:
    every = max(1, round(fps / novelty.SAMPLES_PER_SECOND))
    return novelty.judge().look(frames[::every]), fps / every


def test_a_collapsed_sequence_ranks_below_a_varied_one():
    collapsed = novelty.summarise(*looks_of(zooming(sample("chelsea.png"), 12 * FPS, rate=1.003)))
    varied = novelty.summarise(*looks_of(touring(PHOTOS * 2, 1.5)))
    assert collapsed.similarity is not None and varied.similarity is not None
    assert collapsed.similarity > 0.9 > varied.similarity + 0.2, (collapsed, varied)
    assert collapsed.commonest_share > 0.9 and varied.commonest_share < 0.5
    assert collapsed.motifs == 1 and varied.motifs >= 4
    assert collapsed.variety < 0.1 < varied.variety


def test_looks_are_unit_features_and_the_judge_sees_a_cat():
    (look,) = novelty.judge().look([sample("chelsea.png", 224)])
    assert np.linalg.norm(look.features) == pytest.approx(1.0, abs=1e-5)
    assert "cat" in novelty.summarise([look], 4).commonest_class  # ImageNet's tabby/tiger/Egyptian cat


def test_motifs_counts_greedy_clusters():
    a, b = np.eye(3)[0], np.eye(3)[1]
    looks = [novelty.Look(v, 0) for v in (a, a, b, (a + 0.05 * b) / np.linalg.norm(a + 0.05 * b))]
    assert novelty.motifs(looks) == 2
    assert novelty.spread(looks * 10) == [0, 6, 11, 17, 22, 28, 33, 39]


def test_the_watch_warns_once_on_a_collapsed_run_and_not_on_a_varied_one():
    for frames, collapses in (
        (zooming(sample("coffee.png"), 10 * FPS, rate=1.003), True),
        (touring(PHOTOS * 2, 1.25), False),
    ):
        watch = novelty.Watch(FPS)
        warnings = []
        for index, frame in enumerate(frames):
            watch.see(index, frame)
            warnings += [warning for warning in [watch.collapse()] if warning]
        assert len(warnings) == (1 if collapses else 0), warnings
    assert "collapsing into one motif" in warnings[0] if collapses else True


def test_the_watch_resumes_from_its_arrays():
    frames = touring(PHOTOS, 1.0)
    whole = novelty.Watch(FPS)
    for index, frame in enumerate(frames):
        whole.see(index, frame)
    first = novelty.Watch(FPS)
    for index, frame in enumerate(frames[:12]):
        first.see(index, frame)
    resumed = novelty.Watch(FPS, first.arrays())
    novelties = [resumed.see(index, frame) for index, frame in enumerate(frames) if index >= 12]
    assert resumed.summary() == whole.summary()
    assert any(value is not None and value > 0.3 for value in novelties), "changing photos are novel"


def test_a_render_records_novelty_in_its_telemetry_and_sidecar_and_warns_when_it_collapses(tmp_path):
    # Not dreamed and not moving: every frame is frame 0, the most collapsed run there is.
    raw = small_config(tmp_path, frames=8 * FPS, output__fps=FPS, motion__zoom=1.0, dream__steps=0)
    report = run(config.load(raw), progress=False)
    facts = json.loads((tmp_path / "out.json").read_text())["run"]["novelty"]
    assert facts["judge"] == "squeezenet" and facts["samples"] == 4 * 8
    assert facts["similarity_2s"] > 0.99 and facts["commonest_share"] == 1.0 and facts["motifs"] == 1
    assert any("collapsing into one motif" in warning for warning in report.warnings), report.warnings
    with (tmp_path / "out.frames.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    judged = [float(row["novelty"]) for row in rows if row["novelty"]]
    assert len(judged) == 4 * 8 - 8, "every other frame after the first 2 s"
    assert max(judged) < 0.01
    refereed = [(row["thing"], float(row["confidence"])) for row in rows if row["confidence"]]
    assert len(refereed) == 4 * 8, "every judged frame"
    assert all(
        0 < confidence < 1 and (thing != "") == (confidence >= novelty.NAMED)
        for thing, confidence in refereed
    )
    # The sidecar's figures are judged again in the decoded video (test_figures checks them).
    assert 0 < facts["median_confidence"] < 1 and isinstance(facts["things_named"], list)


def test_the_referee_names_things_in_photos_and_none_in_noise():
    """The referee (EfficientNet-Lite0) names the cat and the espresso in the sample photos, surely;
    in smooth noise it names nothing."""
    from .conftest import smooth_noise

    photos = [sample("chelsea.png", 224), sample("coffee.png", 224)]
    summary = novelty.summarise(novelty.judge().look(photos), 4)
    assert summary.named_share == 1.0 and summary.confidence > 0.5, summary
    assert any("cat" in thing for thing in summary.things) and "espresso" in summary.things, summary
    noise = novelty.summarise(novelty.judge().look([smooth_noise(128, seed) for seed in range(3)]), 4)
    assert noise.named_share == 0.0 and noise.things == () and noise.confidence < novelty.NAMED, noise
    assert "no things named" in noise.line() and "2 distinct things" in summary.line()
