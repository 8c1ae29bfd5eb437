"""The cells of ``dreamzoom sweep``'s contact sheet, read from ``--layers``, ``--channels`` and
``--classes`` and checked before a Ray cluster or the model is involved: at most
:data:`MAX_SWEEP_CELLS`, counted before any channel range is expanded."""

from __future__ import annotations

import reprlib

import click

from ..config import Term
from ..errors import DreamzoomError

MAX_SWEEP_CELLS = 1024  # a contact sheet of more is unreadable, and a typo could ask for billions


def sweep_cells(
    layer_list: str | None, channel_spec: str | None, class_list: str | None
) -> list[tuple[str, Term]]:
    """Each cell's label and the term it dreams: a layer, one channel of a layer, or a class."""
    from .. import classes

    cells = [(name, Term(layer=name)) for name in _split(layer_list)]
    if channel_spec:
        layer, channels = parse_channels(channel_spec)
        cells += [(f"{layer}:{channel}", Term(layer=layer, channels=[channel])) for channel in channels]
    for name in _split(class_list):  # names checked here, before a Ray cluster or the model is involved
        classes.index_of(name, "--classes")
        cells.append((name, Term.model_validate({"class": name})))
    if not cells:
        raise click.UsageError("give --layers, --channels, --classes or several")
    if len(cells) > MAX_SWEEP_CELLS:
        raise DreamzoomError(
            f"--layers, --channels and --classes: {len(cells):,} cells, more than the {MAX_SWEEP_CELLS:,} "
            "one sheet may hold"
        )
    return cells


def _split(text: str | None) -> list[str]:
    """A comma-separated list's items, blanks dropped (``"a, b,"`` → ``["a", "b"]``)."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_channels(spec: str) -> tuple[str, list[int]]:
    """``mixed4:0-3,10`` → ``("mixed4", [0, 1, 2, 3, 10])``: at most :data:`MAX_SWEEP_CELLS` in all,
    counted before any range is expanded (``0-9999999999`` must not build a list of billions)."""
    layer, sep, ranges = spec.partition(":")
    try:
        spans = [_channel_span(part) for part in _split(ranges)]
    except ValueError:
        spans = []
    if not sep or not layer.strip() or not spans or any(first < 0 or last < first for first, last in spans):
        raise DreamzoomError(
            f"--channels expects LAYER:CHANNELS like mixed4:0-7 or mixed4:97,120, got {reprlib.repr(spec)}"
        )
    count = sum(last - first + 1 for first, last in spans)
    if count > MAX_SWEEP_CELLS:
        raise DreamzoomError(
            f"--channels: {reprlib.repr(ranges.strip())} is {count:,} channels, more than the "
            f"{MAX_SWEEP_CELLS:,} one sheet may hold"
        )
    return layer.strip(), [channel for first, last in spans for channel in range(first, last + 1)]


def _channel_span(part: str) -> tuple[int, int]:
    """``"3-7"`` → ``(3, 7)``, ``"5"`` → ``(5, 5)``; ``ValueError`` for anything else."""
    first, dash, last = part.partition("-")
    return int(first), int(last) if dash else int(first)
