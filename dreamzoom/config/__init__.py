"""Render configs: the schema, safe YAML loading, ``--set`` overrides and every config error.

The schema is a tree of pydantic models; their field names are the YAML keys, and their
descriptions are the reference documentation (``docs/reference.md`` lists them). Loading never touches
TensorFlow: a config can be checked without importing it.

Paths: a file the render reads (``source.image``, ``model.path``, …) is resolved against the
config file's folder when written in the file, and against the current folder when given as an
override, so a config renders the same from wherever it is run. Files the render writes
(``output.path``, ``output.frames_dir``) are relative to the current folder.

The private modules, lowest first: ``_walk`` (the one walk over the schema tree), ``_messages``
(one-line errors), ``_paths`` (path limits, input files), ``_schedulable`` (values over time and
their ranges), ``_schema`` (the sections), ``_loading`` (YAML, overrides, ``load``) and
``_reference`` (the reference table and the JSON Schema), and ``_inputs`` (what a photo, video or
song given as ``render``'s INPUT is rendered with).
"""

from __future__ import annotations

from ._inputs import CONFIG_SUFFIXES, media_config, starter
from ._loading import ENVIRONMENT, load, parse_set, resolved, with_objectives
from ._paths import FILE_ROOM, VIDEO_ROOM, path_problem, video_name_problem
from ._reference import json_schema, reference
from ._schedulable import Keyframes, plain
from ._schema import (
    ANALYSIS_RATE,
    MAX_FRAMES,
    MAX_OFFSET,
    MAX_SIDE,
    MIN_SIDE,
    Bands,
    Colour,
    Config,
    Model,
    Noise,
    Prior,
    Source,
    Term,
)

__all__ = [
    "ANALYSIS_RATE",
    "CONFIG_SUFFIXES",
    "ENVIRONMENT",
    "FILE_ROOM",
    "MAX_FRAMES",
    "MAX_OFFSET",
    "MAX_SIDE",
    "MIN_SIDE",
    "VIDEO_ROOM",
    "Bands",
    "Colour",
    "Config",
    "Keyframes",
    "Model",
    "Noise",
    "Prior",
    "Source",
    "Term",
    "json_schema",
    "load",
    "media_config",
    "parse_set",
    "path_problem",
    "plain",
    "reference",
    "resolved",
    "starter",
    "video_name_problem",
    "with_objectives",
]
