"""MkDocs hooks (mkdocs.yml's ``hooks``): the site shows the pictures in ``samples/`` without copies
of them under ``docs/``.

The pages link a picture by its path in the repository (``../samples/x.jpg`` from ``docs/index.md``,
``../../samples/x.jpg`` from ``docs/guide/``), so they also read well where the Markdown is shown as
it is (GitHub, an editor). MkDocs publishes only what lies under ``docs/`` and, with ``--strict``,
fails on a link that leaves it, so :func:`on_files` adds the pictures to the site as
``samples/...`` and :func:`on_page_markdown` points each such link at that copy.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = "samples"
PICTURES = {".gif", ".jpeg", ".jpg", ".png", ".svg", ".webp"}

#: The target of a Markdown link or image: ``](target)`` or ``](target "title")``.
TARGET = re.compile(r"(?<=\]\()([^)\s]+)")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Every picture in ``samples/`` joins the site at the same path, ``samples/...``."""
    for path in sorted((ROOT / SAMPLES).rglob("*")):
        if path.is_file() and path.suffix.lower() in PICTURES:
            uri = path.relative_to(ROOT).as_posix()
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Each link into the repository's ``samples/`` leads to the site's copy instead."""
    docs = Path(config.docs_dir).resolve().relative_to(ROOT).as_posix()
    folder = posixpath.dirname(page.file.src_uri)
    return TARGET.sub(lambda match: published(match.group(1), docs, folder), markdown)


def published(target: str, docs: str, folder: str) -> str:
    """``target``, as written in a page in ``docs/folder``, as a link within the site: a path into
    ``samples/`` in the repository becomes the path to the site's ``samples/``; anything else (a
    page, an anchor, an address) stays as it is."""
    if "://" in target or target.startswith(("#", "/", "mailto:")):
        return target
    in_repository = posixpath.normpath(posixpath.join(docs, folder, target))
    if not in_repository.startswith(f"{SAMPLES}/"):
        return target
    return posixpath.relpath(in_repository, folder or ".")
