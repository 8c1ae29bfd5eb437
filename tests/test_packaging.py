"""The wheel must carry every data file the package reads: an editable install hides a missing glob."""

import fnmatch
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def test_package_data_globs_cover_every_bundled_file():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = settings["tool"]["setuptools"]["package-data"]
    for folder in (ROOT / "dreamzoom").rglob("*"):
        if not folder.is_dir() or folder.name == "__pycache__":
            continue
        package = ".".join(folder.relative_to(ROOT).parts)
        globs = package_data.get(package, [])
        for file in folder.iterdir():
            if file.is_file() and file.suffix not in {".py", ".pyc"}:
                assert any(fnmatch.fnmatch(file.name, pattern) for pattern in globs), (
                    f"{file.relative_to(ROOT)} is not in [tool.setuptools.package-data] {package!r}"
                )


def test_the_package_says_it_is_typed():
    """``py.typed`` (PEP 561) lets a user's type checker read dreamzoom's annotations; the glob test
    above holds the wheel to carrying it."""
    assert (ROOT / "dreamzoom" / "py.typed").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["dreamzoom"]
