"""Every shell and Python example in README.md runs, so the docs cannot drift from the code.

Each ```bash and ```python block is taken out of the README and run in a scratch folder that holds
the files the examples name (``my.yaml``, ``cat.jpg``, ``configs/``...). ``DREAMZOOM_SET`` (the
environment overrides every config load applies before ``--set``) makes every render tiny: 64×64,
two frames, one step, one octave. ``dreamzoom`` commands run in this process (the model is built
once); other commands run as the README gives them. The few that cannot run here (installs, the
suite itself, a Ray cluster, long benchmarks) are listed in :data:`NOT_RUN` with the reason, and
that list must match the README exactly: a new example either runs or is excused by name.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

from dreamzoom import config
from dreamzoom.cli import main

from .conftest import ROOT, SAMPLE_PHOTO

README = (ROOT / "README.md").read_text(encoding="utf-8")

TINY = (
    "size=[64,64] frames=2 dream.steps=1 dream.first_frame_steps=1 dream.octaves=1 "
    "output.preset=ultrafast output.fps=12"
)

#: Examples that are not run here, by their exact command, with the reason.
NOT_RUN = {
    "python -m pip install -e . && dreamzoom render configs/default.yaml": "an install (CI's own first step)",
    "python -m pip install -e '.[test]' && python -m pytest": "an install and this whole suite",
    "python -m pip install -e '.[ray]'": "an install",
    "ray start --head": "starts a Ray cluster's daemons (tests/test_cluster.py runs a local Ray)",
    "ray start --address HEAD_IP:6379": "joins a Ray cluster on another machine",
    "dreamzoom batch tonight/ --ray auto --output-dir /shared/renders": "needs a running Ray cluster",
    "dreamzoom sweep configs/default.yaml --layers mixed0,mixed1,mixed2,mixed3,mixed4,mixed5 -o sheet.png "
    "--ray auto": "needs a running Ray cluster",
    "python benchmarks/run.py": "a benchmark of about 1.5 hours",
    "python benchmarks/run.py --only peak,peer,fixed_f32": "renders 20 frames at 512×512 three ways (minutes)",
    "python benchmarks/run.py [--quick]": "a benchmark (minutes even with --quick)",
    "python benchmarks/memory_4k.py": "a benchmark at 3840×2160",
    "python benchmarks/video.py": "a benchmark of about 3 minutes (tests/test_render.py checks the same "
    "steadiness on a smaller clip)",
    "python benchmarks/audio.py --minutes 3 30": "a benchmark of about 2 minutes (tests/test_audio.py tests "
    "the analysis it times)",
    "python benchmarks/colour_drift.py --chart drift.png": "a 300-frame benchmark (tests/test_colour.py "
    "runs its measure)",
    "scripts/make_samples.sh": "re-renders every picture in samples/ at full size",
    "python benchmarks/classes.py": "a benchmark of about 13 minutes (tests/test_prior.py checks two "
    "classes against the same referee)",
    "python benchmarks/novelty.py": "renders a minute of every shipped config (hours on 2 cores; "
    "tests/test_novelty.py and tests/test_explore.py test what it measures)",
    "python benchmarks/things.py": "renders 9 minutes of the default config, judged (hours on 2 cores; "
    "tests/test_explore.py and tests/test_novelty.py test what it measures)",
    "python scripts/bundle_weights.py MODELS_FOLDER": "a maintainer's step: rewrites the bundled weights "
    "from the source Keras models, which a clone does not hold",
    "HYPOTHESIS_PROFILE=dev python -m pytest tests/test_fuzz.py": "minutes of randomised fuzzing; the "
    "suite runs the same tests under the fixed `ci` profile",
    "python scripts/config_reference.py --write": "rewrites README.md (tests/test_docs.py runs the check)",
}


@dataclass(frozen=True)
class Example:
    """One runnable example: a shell command, or a Python block."""

    language: str
    text: str
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line}: {self.text.splitlines()[0]}"


def examples(readme: str = README) -> list[Example]:
    """Every command of every ```bash block (comments dropped) and every ```python block."""
    found = []
    for match in re.finditer(r"^```(bash|python)\n(.*?)^```", readme, re.DOTALL | re.MULTILINE):
        language, body = match.groups()
        first = readme.count("\n", 0, match.start(2)) + 1
        if language == "python":
            found.append(Example(language, body, first))
            continue
        for offset, raw in enumerate(body.splitlines()):
            command = raw.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                found.append(Example(language, command, first + offset))
    return found


def test_the_readme_has_examples_and_every_excused_one_is_still_there():
    commands = {example.text for example in examples()}
    assert len(commands) >= 20
    assert sorted(set(NOT_RUN) - commands) == [], "NOT_RUN names examples the README no longer has"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """``renders/default.mp4`` (and its telemetry and sidecar), rendered once at the tiny size."""
    folder = tmp_path_factory.mktemp("rendered")
    shutil.copytree(ROOT / "configs", folder / "configs")
    shutil.copytree(ROOT / "samples", folder / "samples")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv(config.ENVIRONMENT, TINY)
        assert _run_dreamzoom(["render", "configs/default.yaml", "-q"]) == 0
    return folder / "renders"


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A fresh folder for each example (each runs as if alone) with what the examples name:
    configs/, samples/, my.yaml, cat.jpg, clip.mp4, song.mp3, tonight/."""
    folder = tmp_path
    for name in ("configs", "samples"):
        shutil.copytree(ROOT / name, folder / name)
    Image.open(SAMPLE_PHOTO).convert("RGB").save(folder / "cat.jpg")
    shutil.copy(ROOT / "samples" / "pan.mp4", folder / "clip.mp4")
    shutil.copy(ROOT / "samples" / "groove.mp3", folder / "song.mp3")
    (folder / "my.yaml").write_text("source: {image: cat.jpg}\ndream: {layers: {mixed4: 1.0}}\n")
    (folder / "tonight").mkdir()
    for name in ("a", "b"):
        shutil.copy(ROOT / "configs" / "noise.yaml", folder / "tonight" / f"{name}.yaml")
    return folder


RUN = [example for example in examples() if example.text not in NOT_RUN]

#: The README's config snippets, each a whole config (a fragment is a config with the rest left out).
SNIPPETS = [
    (README[: match.start()].count("\n") + 1, match.group(1))
    for match in re.finditer(r"```yaml\n(.*?)\n```", README, re.DOTALL)
]


@pytest.mark.parametrize(("line", "snippet"), SNIPPETS, ids=[f"line {line}" for line, _ in SNIPPETS])
def test_readme_config_snippet_loads(line, snippet, scratch):
    """Each snippet is read as a config in ``configs/`` beside the files it names (a photo, a song,
    a clip), so a key it misspells or a value it gets wrong fails here."""
    shutil.copy(ROOT / "samples" / "groove.mp3", scratch / "configs" / "song.mp3")
    shutil.copy(ROOT / "samples" / "pan.mp4", scratch / "configs" / "clip.mp4")
    Image.open(SAMPLE_PHOTO).convert("RGB").save(scratch / "configs" / "photo.jpg")
    written = scratch / "configs" / "snippet.yaml"
    written.write_text(snippet, encoding="utf-8")
    assert config.load(written).frame_count >= 1, f"README.md line {line}"


@pytest.mark.parametrize("example", RUN, ids=str)
def test_readme_example_runs(example, scratch, monkeypatch, capsys, request):
    if " inspect " in example.text:  # inspects the video the README's first render makes
        shutil.copytree(request.getfixturevalue("rendered"), scratch / "renders")
    monkeypatch.chdir(scratch)
    monkeypatch.setenv(config.ENVIRONMENT, TINY)  # renders tiny; scripts below run as given
    if example.language == "python":
        exec(compile(example.text, str(example), "exec"), {"__name__": "readme_example"})
        return
    words = shlex.split(example.text)
    if words[:1] == ["dreamzoom"] or words[:3] == ["python", "-m", "dreamzoom"]:
        arguments = words[1:] if words[0] == "dreamzoom" else words[3:]
        code = _run_dreamzoom(arguments)
        assert code == 0, f"{example} exited {code}: {capsys.readouterr().err}"
        _check_outputs(arguments, scratch)
    else:
        result = subprocess.run(
            [sys.executable if word == "python" else word for word in words],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={key: value for key, value in os.environ.items() if key != config.ENVIRONMENT},
        )
        assert result.returncode == 0, f"{example}: {result.stdout[-2000:]}{result.stderr[-2000:]}"


def _run_dreamzoom(arguments: list[str]) -> int:
    """The CLI in this process; ``--version``/``--help`` end in click's SystemExit(0)."""
    try:
        return main(arguments)
    except SystemExit as done:
        return int(done.code or 0)


def _check_outputs(arguments: list[str], folder: Path) -> None:
    """Whatever ``-o``/``--output`` names was written; a video decodes to the frames asked for."""
    for flag, value in itertools.pairwise(arguments):
        if flag not in ("-o", "--output"):
            continue
        written = folder / value
        assert written.is_file() and written.stat().st_size > 0, written
        if written.suffix == ".mp4":
            asked = [item.split("=", 1)[1] for item in arguments if item.startswith("frames=")]
            frames = int(asked[-1]) if asked else 2
            assert imageio_ffmpeg.count_frames_and_secs(str(written))[0] == frames
