"""Every shell, Python and YAML example in README.md and on the documentation site (``docs/``) runs,
so the docs cannot drift from the code.

Each ```bash and ```python block is taken out of its page and run in a scratch folder that holds
the files the examples name (``my.yaml``, ``cat.jpg``, ``configs/``...); each ```yaml block is loaded
as a config. ``DREAMZOOM_SET`` (the environment overrides every config load applies before
``--set``) makes every render tiny: 64×64, two frames, one step, one octave. ``dreamzoom`` commands
run in this process (the model is built once); other commands run as the page gives them. A
command shown on several pages runs once, named after its first place (the README, then the pages
in path order). The few that cannot run here (installs, the suite itself, a Ray cluster, a server,
long benchmarks) are listed in :data:`NOT_RUN` with the reason, and that list must match the pages
exactly: a new example either runs or is excused by name.
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

#: The pages whose examples run: the README, then every page of the site.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

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
    "python scripts/config_reference.py --write": "rewrites docs/reference.md (tests/test_docs.py runs "
    "the check)",
    "mkdocs serve": "serves the site until it is stopped",
    "python -m mkdocs build --strict": ".ci/run builds the site, strict, after the suite",
}


@dataclass(frozen=True)
class Example:
    """One example: a shell command, a Python block or a YAML config, and where it is written."""

    page: str
    language: str
    text: str
    line: int

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text.splitlines()[0]}"


def blocks(page: Path, languages: str) -> list[Example]:
    """Every fenced block of the given languages (a regex alternative, e.g. ``bash|python``) in
    ``page``, whole, with the line its body starts on."""
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(ROOT).as_posix()
    return [
        Example(name, match.group(1), match.group(2), text.count("\n", 0, match.start(2)) + 1)
        for match in re.finditer(rf"^```({languages})\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    ]


def examples(page: Path) -> list[Example]:
    """Every command of every ```bash block (comments dropped) and every ```python block."""
    found = []
    for block in blocks(page, "bash|python"):
        if block.language == "python":
            found.append(block)
            continue
        for offset, raw in enumerate(block.text.splitlines()):
            command = raw.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                found.append(Example(block.page, block.language, command, block.line + offset))
    return found


EXAMPLES = [example for page in PAGES for example in examples(page)]


def test_the_pages_have_examples_and_every_excused_one_is_still_there():
    commands = {example.text for example in EXAMPLES}
    assert len(commands) >= 20
    assert {example.page for example in EXAMPLES} >= {"README.md", "docs/guide/using.md"}
    assert sorted(set(NOT_RUN) - commands) == [], "NOT_RUN names examples the pages no longer have"


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
    configs/, samples/, my.yaml, cat.jpg, clip.mp4, song.mp3, and tonight/ with two configs."""
    folder = tmp_path
    for name in ("configs", "samples"):
        shutil.copytree(ROOT / name, folder / name)
    Image.open(SAMPLE_PHOTO).convert("RGB").save(folder / "cat.jpg")
    shutil.copy(ROOT / "samples" / "pan.mp4", folder / "clip.mp4")
    shutil.copy(ROOT / "samples" / "groove.mp3", folder / "song.mp3")
    (folder / "my.yaml").write_text("source: {image: cat.jpg}\ndream: {layers: {mixed4: 1.0}}\n")
    (folder / "tonight").mkdir()  # a night's queue: a photo and noise, into renders/a.mp4 and b.mp4
    (folder / "tonight" / "a.yaml").write_text("source: {image: ../cat.jpg}\n")
    (folder / "tonight" / "b.yaml").write_text("source: {noise: {kind: smooth}}\nmotion: {zoom: 1.03}\n")
    return folder


def first_of_each(found: list[Example]) -> list[Example]:
    """Each example once, at its first place: the same command on two pages runs once."""
    first: dict[tuple[str, str], Example] = {}
    for example in found:
        first.setdefault((example.language, example.text), example)
    return list(first.values())


RUN = [example for example in first_of_each(EXAMPLES) if example.text not in NOT_RUN]

#: The pages' config snippets, each a whole config (a fragment is a config with the rest left out).
SNIPPETS = [snippet for page in PAGES for snippet in blocks(page, "yaml")]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda snippet: f"{snippet.page}:{snippet.line}")
def test_config_snippet_loads(snippet, scratch):
    """Each snippet is read as a config in ``configs/`` beside the files it names (a photo, a song,
    a clip), so a key it misspells or a value it gets wrong fails here."""
    shutil.copy(ROOT / "samples" / "groove.mp3", scratch / "configs" / "song.mp3")
    shutil.copy(ROOT / "samples" / "pan.mp4", scratch / "configs" / "clip.mp4")
    Image.open(SAMPLE_PHOTO).convert("RGB").save(scratch / "configs" / "photo.jpg")
    written = scratch / "configs" / "snippet.yaml"
    written.write_text(snippet.text, encoding="utf-8")
    assert config.load(written).frame_count >= 1, f"{snippet.page} line {snippet.line}"


@pytest.mark.parametrize("example", RUN, ids=str)
def test_example_runs(example, scratch, monkeypatch, capsys, request):
    if " inspect " in example.text:  # inspects the video the README's first render makes
        shutil.copytree(request.getfixturevalue("rendered"), scratch / "renders")
    monkeypatch.chdir(scratch)
    monkeypatch.setenv(config.ENVIRONMENT, TINY)  # renders tiny; scripts below run as given
    if example.language == "python":
        exec(compile(example.text, str(example), "exec"), {"__name__": "doc_example"})
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
    """Whatever ``-o``/``--output`` names was written (a file, or numbered images in a folder); an
    MP4 decodes to the frames asked for."""
    for flag, value in itertools.pairwise(arguments):
        if flag not in ("-o", "--output"):
            continue
        written = folder / value
        if "%" in written.name or value.endswith("/") or written.is_dir():
            images = written.parent if "%" in written.name else written
            assert images.is_dir() and any(images.iterdir()), written
            continue
        assert written.is_file() and written.stat().st_size > 0, written
        if written.suffix == ".mp4":
            assert imageio_ffmpeg.count_frames_and_secs(str(written))[0] == _frames_asked(arguments)


def _frames_asked(arguments: list[str]) -> int:
    """The frames an example's render makes: TINY's 2, unless its flags or ``--set`` say otherwise
    (``--loop``/``--seconds`` at TINY's 12 fps, or the example's ``--fps``)."""
    given = dict(itertools.pairwise(arguments))
    fps = float(given.get("--fps", 12))
    asked = [item.split("=", 1)[1] for item in arguments if item.startswith("frames=")]
    if "--frames" in given:
        return int(given["--frames"])
    for flag in ("--loop", "--seconds"):
        if flag in given:
            return round(float(given[flag]) * fps)
    return int(asked[-1]) if asked else 2
