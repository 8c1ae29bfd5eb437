"""The README and the documentation site stay true: their commands, the config reference, the CI
command, their pictures and links, the site's table of contents, and a README that stays short."""

from __future__ import annotations

import posixpath
import re
import subprocess
import sys
from pathlib import Path

import yaml

from dreamzoom import config
from dreamzoom.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
#: The site's pages, by their path in docs/.
PAGES = {path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md")}
REFERENCE = PAGES["reference.md"]
#: Everything a user reads: the README and every page.
EVERYTHING = "\n".join([README, *PAGES.values()])

#: The README's length the issue asks for, at most.
README_LINES = 250

#: A Markdown link or picture: its target, before any title or anchor.
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s#]*)[^)]*\)")


def test_readme_opens_with_the_install_and_render_and_the_test_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.DOTALL)
    assert blocks[0] == "python -m pip install -e . && dreamzoom render configs/default.yaml"
    assert blocks[1] == "python -m pip install -e '.[test]' && python -m pytest"
    assert (ROOT / "configs" / "default.yaml").is_file()


def test_readme_is_short():
    lines = len(README.splitlines())
    assert lines <= README_LINES, f"README.md has {lines} lines: move the detail to docs/"


def test_ci_runs_the_readme_test_command_and_builds_the_site_strictly():
    script = (ROOT / ".ci" / "run").read_text()
    assert "python -m pip install -e '.[test]' && python -m pytest" in script
    assert re.search(r"python -m mkdocs build --strict\b", script)


def test_config_reference_table_matches_the_schema():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_reference.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert generated in REFERENCE, "run: python scripts/config_reference.py --write"
    for key, _, _ in config.reference():
        assert f"`{key}`" in REFERENCE


def links(path: Path, text: str) -> list[tuple[bool, str]]:
    """``(is a picture, target)`` for every relative link in ``text`` (addresses and anchors left
    out), outside code blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return [
        (bang == "!", target)
        for bang, target in LINK.findall(prose)
        if target and "://" not in target and not target.startswith(("/", "mailto:"))
    ]


def test_every_picture_in_the_readme_and_the_pages_exists():
    pictures = [
        (path, target)
        for path, text in [
            (ROOT / "README.md", README),
            *((DOCS / name, page) for name, page in PAGES.items()),
        ]
        for picture, target in links(path, text)
        if picture
    ]
    assert len(pictures) >= 30
    missing = [
        f"{path.relative_to(ROOT)}: {target}"
        for path, target in pictures
        if not (path.parent / target).is_file()
    ]
    assert not missing, missing


def test_every_link_in_the_readme_and_the_pages_leads_somewhere():
    """A link is written as the path from its page in the repository: to another page, a picture in
    samples/ or a file of the project (the site's own check, `mkdocs build --strict`, reads them as
    the site publishes them)."""
    broken = [
        f"{path.relative_to(ROOT)}: {target}"
        for path, text in [
            (ROOT / "README.md", README),
            *((DOCS / name, page) for name, page in PAGES.items()),
        ]
        for _, target in links(path, text)
        if not (path.parent / target).exists()
    ]
    assert not broken, broken


def test_the_readme_links_to_the_site_pages():
    linked = {
        posixpath.normpath(target)
        for picture, target in links(ROOT / "README.md", README)
        if not picture and target.startswith("docs/")
    }
    assert linked, "the README links to no page of the site"
    assert {f"docs/{name}" for name in ["index.md", "guide/using.md", "reference.md"]} <= linked
    assert all((ROOT / target).is_file() for target in linked), linked


def nav_pages(entries: object) -> list[str]:
    """The page paths a ``nav`` (or a section of it) names, in order."""
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in nav_pages(value)]
    return []


def test_every_page_is_in_the_nav_once_and_the_nav_names_only_pages():
    site = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert site["theme"]["name"] == "material"
    assert site.get("docs_dir", "docs") == "docs"
    listed = nav_pages(site["nav"])
    assert sorted(set(listed)) == sorted(listed), "a page is in the nav twice"
    assert sorted(listed) == sorted(PAGES), "docs/ and mkdocs.yml's nav differ"


def test_the_docs_document_every_command_and_option():
    missing = [name for name in cli.commands if f"`{name}" not in EVERYTHING]
    for command in [cli, *cli.commands.values()]:
        for parameter in command.params:
            missing += [
                f"{command.name} {flag}"
                for flag in [*parameter.opts, *parameter.secondary_opts]
                if flag.startswith("-")
                and not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", EVERYTHING)
            ]
    assert not missing, f"undocumented in README.md and docs/: {missing}"
