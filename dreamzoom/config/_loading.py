"""Loading a config: safe YAML, ``--set`` and ``DREAMZOOM_SET`` overrides, and the checks and
path resolution that follow validation (see the package's docstring for paths).

Every problem leaves here as one line, a :class:`DreamzoomError` naming the key.
"""

from __future__ import annotations

import copy
import os
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import DreamzoomError
from ._messages import SHORT, describe
from ._paths import VIDEO_ROOM, path_problem, resolve_inputs
from ._schema import MAX_NESTING, Config, Term, names_nothing, with_default_dream
from ._walk import field_at


def load(
    source: str | Path | Mapping[str, Any] | Config | None = None,
    overrides: Iterable[tuple[str, Any]] = (),
    *,
    environment: bool = True,
) -> Config:
    """Build a validated :class:`Config` from a YAML file, a mapping or a ``Config``.

    ``overrides`` are ``(dotted key, value)`` pairs, each replacing one key's value (``("motion.zoom",
    1.03)``), after those of the ``DREAMZOOM_SET`` environment variable. The environment applies
    once: not again to a ``Config`` (loaded already), nor where ``environment`` is false (a worker
    reloading a config its driver resolved). Every problem is raised as a one-line
    :class:`DreamzoomError` naming the key.
    """
    applies = environment and not isinstance(source, Config)
    overrides = (environment_overrides() if applies else []) + list(overrides)
    if isinstance(source, Config):
        raw: dict[str, Any] = source.model_dump(exclude_unset=True)
        base, stem = Path.cwd(), "dreamzoom"
    elif isinstance(source, Mapping):
        raw, base, stem = copy.deepcopy(dict(source)), Path.cwd(), "dreamzoom"
    elif source is None:
        raw, base, stem = {}, Path.cwd(), "dreamzoom"
    else:
        path = Path(source)
        raw, base, stem = read_yaml(path), path.resolve().parent, path.stem
    stated = _stated_frames(raw)
    for key, value in overrides:
        _drop_replaced_length(raw, key, value)
        _set_dotted(raw, key, value)
    if not any(key == "loop" or key.startswith("loop.") for key, _ in overrides):
        _scale_loop(raw, stated)
    config = _validated(raw)
    overridden = {key for key, _ in overrides}
    config = resolve_inputs(config, base, overridden)
    if config.output.path is None:
        video = Path("renders") / f"{stem}.mp4"
        # Named after the config file, so checked only now (batch and the Python API too).
        problem = path_problem(video, VIDEO_ROOM)
        if problem:
            raise DreamzoomError(problem, key="output.path")
        config = config.model_copy(update={"output": config.output.model_copy(update={"path": video})})
    return config


#: The environment variable whose ``KEY=VALUE`` words apply to every config loaded (before ``--set``).
ENVIRONMENT = "DREAMZOOM_SET"


def environment_overrides() -> list[tuple[str, Any]]:
    """``DREAMZOOM_SET="size=[128,128] frames=12"``: overrides for every config a process loads, so
    that a script's renders (a batch, the documentation's examples in the test suite) can be drafted small
    without editing each config or command."""
    text = os.environ.get(ENVIRONMENT, "")
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise DreamzoomError(f"{ENVIRONMENT}: cannot split {text!r} into KEY=VALUE words: {error}") from None
    try:
        return [parse_set(word) for word in words]
    except DreamzoomError as error:
        raise DreamzoomError(f"{ENVIRONMENT}: {error}") from None


#: Keys that each state a render's length; an override of one replaces whichever the config gave.
_LENGTH_KEYS = ("frames", "seconds")


def _drop_replaced_length(raw: dict[str, Any], key: str, value: Any) -> None:
    """``frames`` and ``seconds`` are two spellings of one setting: ``--set frames=60`` on a config
    that says ``seconds: 4`` means "60 frames instead", not a conflict, and of several length
    overrides the last wins. Both written in one file stay an error (the validator reports it), and
    ``--set seconds=null`` only removes ``seconds``."""
    if key in _LENGTH_KEYS and value is not None and not all(k in raw for k in _LENGTH_KEYS):
        for other in _LENGTH_KEYS:
            if other != key:
                raw.pop(other, None)


def _stated_frames(raw: dict[str, Any]) -> float | None:
    """The length a raw config states, in frames (``frames``, or ``seconds`` × the rate), if it
    states one plainly; ``None`` otherwise (a song's length, or a value the schema will refuse)."""

    def number(value: Any) -> float | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        try:
            return float(value)
        except OverflowError:  # an integer of hundreds of digits: the schema refuses it
            return None

    frames, seconds = number(raw.get("frames")), number(raw.get("seconds"))
    output = raw.get("output")
    fps = number(output.get("fps", 24.0)) if isinstance(output, dict) else 24.0
    if frames is not None:
        return frames
    return seconds * fps if seconds is not None and fps is not None else None


def _scale_loop(raw: dict[str, Any], stated: float | None) -> None:
    """A loop's lead-back keeps its share of a render whose length an override changed (a draft of
    12 frames of a 144-frame loop leads back over 4, not over 48 it does not have)."""
    loop, asked = raw.get("loop"), _stated_frames(raw)
    if not isinstance(loop, dict) or stated is None or asked is None or stated <= 0 or asked == stated:
        return
    frames = loop.get("frames")
    if isinstance(frames, int) and not isinstance(frames, bool) and asked >= 2:
        raw["loop"] = {**loop, "frames": max(1, min(round(asked) - 1, round(frames * asked / stated)))}


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (``motion.zoom``, ``dream.layers.mixed4``) in ``raw``, making the sections on the
    way; a key below a plain value is an error naming both."""
    parts = key.split(".")
    # --set dream.explore.seconds=4 on a dream that names nothing tunes the measured default.
    tunes_default = parts[0] == "dream" and len(parts) > 2 and parts[1] in ("layers", "explore")
    if tunes_default and names_nothing(raw.get("dream")):
        raw["dream"] = with_default_dream(raw.get("dream"))
    node = raw
    for depth, part in enumerate(parts[:-1]):
        if node.get(part) is None:
            # A mapping-valued key the config leaves at its default (dream.layers) is extended, not
            # replaced: --set dream.layers.mixed4=1 adds mixed4 to the default layers.
            field = field_at(Config, tuple(parts[: depth + 1]))
            default = field.info.get_default(call_default_factory=True) if field else None
            if parts[: depth + 1] == ["dream", "layers"] and node.get("objectives"):
                default = None  # the default layers apply only to a dream without objectives
            node[part] = dict(default) if isinstance(default, dict) else {}
        child = node[part]
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise DreamzoomError(f"cannot set {key}: {where} is a value, not a section", key=key)
        node = child
    node[parts[-1]] = value


def resolved(config: Config) -> dict[str, Any]:
    """The config as a self-contained, JSON-safe mapping that loads back to the same render: every
    value explicit (a later change of defaults cannot change a re-render), input paths absolute."""
    raw = config.model_dump(mode="json", by_alias=True)
    if config.model.path is not None:
        del raw["model"]["name"], raw["model"]["weights"]
    if config.dream.objectives and "layers" not in config.dream.model_fields_set:
        raw["dream"]["layers"] = {}  # the default layers were not in use
    return raw


def with_objectives(config: Config, terms: list[Term]) -> Config:
    """The same config dreaming ``terms`` alone (its ``layers`` shorthand and exploration dropped)."""
    raw = config.model_dump(by_alias=True, exclude_unset=True)
    dream = raw.setdefault("dream", {})
    dream.pop("layers", None)
    dream.pop("explore", None)
    dream["objectives"] = [term.model_dump(by_alias=True, exclude_none=True) for term in terms]
    return _validated(raw)


def _validated(raw: dict[str, Any]) -> Config:
    """``raw`` checked against the schema, its first problem raised as one line."""
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise DreamzoomError(describe(error, Config)) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file with the safe YAML loader; it must hold a mapping (or nothing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DreamzoomError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DreamzoomError(f"cannot read config file {path}: {error}") from None
    try:
        data = _safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise DreamzoomError(f"{path}{where}: invalid YAML: {_yaml_problem(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DreamzoomError(f"{path}: a config must be a mapping of keys, not a {type(data).__name__}")
    return data


def parse_set(assignment: str) -> tuple[str, Any]:
    """Parse one ``--set key.sub=value`` (the value is read as YAML: ``[256, 256]``, ``1.5``, ``null``)."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise DreamzoomError(f"--set expects KEY=VALUE (like motion.zoom=1.03), got {assignment!r}")
    try:
        return key, _safe_load(text)
    except yaml.YAMLError as error:
        raise DreamzoomError(
            f"--set {key}: cannot read {SHORT.repr(text)} as a value: {_yaml_problem(error)}"
        ) from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What a YAML error says went wrong, without its multi-line context."""
    return getattr(error, "problem", None) or str(error).splitlines()[0]


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing collections nested more than :data:`MAX_NESTING` deep as soon as it
    scans them: PyYAML's scanner slows quadratically with the depth of ``[`` and ``{`` (a line of
    10,000 ``[`` takes a minute), and its composer recurses through every level."""

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # PyYAML's spelling
        self._check_nesting(self.flow_level)
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        self._check_nesting(len(self.indents))
        return super().add_indent(column)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        """Integers as YAML spells them (decimal, hex, octal, base 60), refused past
        :data:`MAX_INT_CHARACTERS`: no config value needs more, and Python cannot even print an
        integer of 4,300 digits in a message."""
        if len(node.value) > MAX_INT_CHARACTERS:
            raise yaml.MarkedYAMLError(
                problem=f"a number of {len(node.value)} characters is longer than any setting takes",
                problem_mark=node.start_mark,
            )
        return super().construct_yaml_int(node)

    def _check_nesting(self, depth: int) -> None:
        if depth > MAX_NESTING:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_NESTING} levels deep", problem_mark=self.get_mark()
            )


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)

#: The longest integer a config file may write (seeds are the longest real ones: 20 digits).
MAX_INT_CHARACTERS = 40


def _safe_load(text: str) -> Any:
    """Safe YAML loading, its other failures raised as ``YAMLError`` like any syntax error: nesting
    beyond Python's recursion (the composer recurses), a date like 2024-02-30, a 5,000-digit integer."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except RecursionError:
        raise yaml.YAMLError("nested too deeply to read") from None
    except ValueError as error:
        raise yaml.YAMLError(str(error).splitlines()[0] if str(error) else "unreadable value") from None
