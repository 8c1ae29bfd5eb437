"""dreamzoom: endless DeepDream zoom videos from a YAML config.

    import dreamzoom
    dreamzoom.render("configs/default.yaml", frames=48, motion__zoom=1.03)

Importing the package is cheap; TensorFlow loads on the first render.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import DreamzoomError, RenderFailed

if TYPE_CHECKING:
    from .config import Config

__all__ = ["DreamzoomError", "RenderFailed", "__version__", "load_config", "render"]


def load_config(config: str | Path | dict[str, Any] | Config | None = None, **overrides: Any) -> Config:
    """A validated config from a YAML path, a dict or a ``Config``, with keyword overrides.

    An override names one key, with ``__`` or ``.`` between levels, and replaces its value:
    ``frames=60``, ``motion__zoom=1.03``, ``**{"dream.layers": {"mixed4": 1.0}}``.
    """
    from . import config as config_module

    pairs = [(key.replace("__", "."), value) for key, value in overrides.items()]
    return config_module.load(config, pairs)


def render(
    config: str | Path | dict[str, Any] | Config,
    /,
    *,
    progress: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    **overrides: Any,
) -> Path:
    """Render a config (with :func:`load_config`'s overrides) to its MP4 and return the video's path.

    ``resume`` continues an interrupted render from its checkpoint; ``overwrite`` replaces an
    existing video. Ctrl-C stops after the current frame and returns the partial video's path.
    """
    from .renderer import run

    return run(load_config(config, **overrides), progress=progress, resume=resume, overwrite=overwrite).path
