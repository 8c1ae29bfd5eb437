"""The suite runs on a fresh clone: nothing the tests, the package, the benchmarks or CI run reads the
folder of reference material that sits beside the maintainers' checkout (named in :data:`NAME`),
which a user's clone does not have. Sample photos live in ``samples/``, and what the reference
networks compute lives in ``tests/data/`` (``scripts/`` may read the folder: the tests never run them).

This file spells the folder's name once, in :data:`NAME`, and builds the forbidden forms it tests
its pattern on from it, so that it never names the folder as a path itself."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

#: What the tests, the package, the benchmarks and CI consist of. ``scripts/`` is left out on purpose:
#: they rebuild the project's copies (weights, reference outputs) from the folder.
CHECKED = ["tests", "dreamzoom", "benchmarks", ".ci", "pyproject.toml"]

#: The sibling folder's name. Alone it names nothing: only a path to it beside the checkout does.
NAME = "shared"

#: The ways of naming the sibling folder: the relative path as text (dot-dot, a slash or backslash,
#: :data:`NAME`), joined parts (a dot-dot string, then :data:`NAME`), a pathlib step from a parent
#: (``ROOT.parent``, ``parents[2]``, ``.joinpath``, ``.with_name``) and the constant the suite once
#: held it in (:data:`NAME` in capitals). Precise on purpose: ``_shared_paths``
#: (dreamzoom/cluster.py), a layer named like the folder (tests/test_folding.py) and an absolute
#: ``/{NAME}/renders`` (a README example) are not the sibling folder.
SIBLING = re.compile(
    rf"""\.\.[/\\]+{NAME}\b
    | ["']\.\.["']\s*,\s*["']{NAME}["']
    | \bparents?\b(\[\s*-?\d+\s*\])?\s*/\s*["']{NAME}["']
    | \.(joinpath|with_name)\(\s*["']{NAME}["']
    | \b{NAME.upper()}\b""",
    re.VERBOSE,
)


def checked_files() -> list[Path]:
    files = []
    for name in CHECKED:
        path = ROOT / name
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        files += [f for f in candidates if f.is_file() and "__pycache__" not in f.parts]
    return files


def mentions(path: Path) -> list[str]:
    """The lines of a text file that name the sibling folder (none for a binary file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # model weights, photos, reference arrays: data, not code
    return [line.strip() for line in text.splitlines() if SIBLING.search(line)]


@pytest.mark.parametrize(
    "form",
    [
        '{CAPS} = ROOT.parent / "{name}"',
        "photos = Path(__file__).resolve().parents[2] / '{name}' / 'photos'",
        'models = ROOT.parent.joinpath("{name}", "models")',
        'folder = ROOT.with_name("{name}")',
        'os.path.join(ROOT, "..", "{name}", "models")',
        "cp ../{name}/photos/coffee.png samples/",
        'load_model("..\\\\{name}\\\\models\\\\squeezenet_imagenet.keras")',
        "source.read_image({CAPS} / 'photos' / name)",
    ],
)
def test_the_pattern_catches_each_way_of_naming_the_folder(form):
    assert SIBLING.search(form.format(name=NAME, CAPS=NAME.upper()))


@pytest.mark.parametrize(
    "line",
    [
        "shipped = config.load(cluster._shared_paths(loaded), environment=False)",
        'c = keras.layers.Conv2D(4, 1, name="shared")(b)',
        'd = keras.layers.BatchNormalization(name="shared_norm")(c)',
        '"dreamzoom batch tonight/ --ray auto --output-dir /shared/renders": "needs a running Ray cluster",',
        "# equal output shapes for every shared layer",
        "submitted[task.remote(name, _shared_paths(settings), overwrite, actor)] = name",
    ],
)
def test_the_pattern_leaves_other_uses_of_the_word_alone(line):
    assert not SIBLING.search(line)


def test_nothing_the_tests_or_the_package_run_names_the_sibling_folder():
    files = checked_files()
    assert len(files) > 50 and ROOT / "tests" / "conftest.py" in files
    found = {
        path.relative_to(ROOT).as_posix(): lines for path in files for lines in [mentions(path)] if lines
    }
    assert not found, f"read these from samples/ or tests/data/ instead (see scripts/): {found}"


#: Tests that read sample photos (through conftest.py's helpers) and the reference outputs.
PHOTO_READERS = [
    "tests/test_novelty.py::test_looks_are_unit_features_and_the_judge_sees_a_cat",
    "tests/test_models.py::test_bundled_squeezenet_matches_its_source",
]


def test_photo_reading_tests_pass_in_a_clone_with_nothing_beside_it(tmp_path):
    """A copy of what a clone holds (the package, the tests, the samples, pyproject.toml) in a
    folder with no sibling, its tests run from there against its own package: a test that reads the
    reference folder again fails or skips here, wherever the suite runs."""
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("dreamzoom", "tests", "samples"):
        shutil.copytree(ROOT / name, clone / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", clone)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]
    # Its own package first (not the checkout's editable install), and only then pytest.
    runner = (
        "import sys, dreamzoom, pytest; from pathlib import Path; "
        "assert Path(dreamzoom.__file__).resolve().is_relative_to(Path.cwd().resolve()), dreamzoom.__file__; "
        "sys.exit(pytest.main(sys.argv[1:]))"
    )
    command = [sys.executable, "-c", runner, "-q", "-p", "no:cacheprovider", "-rs", *PHOTO_READERS]
    result = subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"{len(PHOTO_READERS)} passed" in output and "skipped" not in output, output[-3000:]
