"""The natural-image prior's settings and named presets, as plain data.

Two rooms read them: ``config`` (which checks a config's preset and combines it with the config's
overrides) and ``dream`` (whose default is no prior). They live here, free of TensorFlow and of
pydantic, so that neither room reaches into the other for them; ``prior.py`` is what acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriorSettings:
    """Concrete prior settings, after a preset and its overrides are combined (see ``prior.py``)."""

    gradient: str = "none"
    levels: int = 4
    sigma: float = 1.0
    scale: float = 0.0
    rotate: float = 0.0
    tv: float = 0.0
    colour: bool = False


#: Starting points: ``dream`` keeps the detail of classic DeepDream while damping its speckle, and
#: climbs in decorrelated colour (measured on 10-s zooms of the sample photo: the chroma's fine-scale
#: energy halves and the mean chroma stays near the photo's instead of rising to neon);
#: ``object`` makes class visualisations from noise show object parts rather than texture.
PRIOR_PRESETS = {
    "dream": PriorSettings(gradient="gaussian", sigma=0.7, scale=0.02, rotate=2.0, colour=True),
    "object": PriorSettings(gradient="laplacian", levels=4, scale=0.1, rotate=10.0, tv=0.2),
    "none": PriorSettings(),
}
