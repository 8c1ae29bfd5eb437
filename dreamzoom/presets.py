"""The natural-image prior's settings and named presets, as plain data.

Two rooms read them: ``config`` (which checks a config's preset and combines it with the config's
overrides) and ``dream`` (whose default is no prior). They live here, free of TensorFlow and of
pydantic, so that neither room reaches into the other for them; ``prior.py`` is what acts on them
(its ``ImagePrior`` turns them into the parts of a dream step).
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
    views: int = 1
    crop: float = 1.0
    flip: bool = False
    noise: float = 0.0
    fourier: bool = False
    bounded: bool = False


#: Starting points: ``dream`` keeps the detail of classic DeepDream while damping its speckle, and
#: climbs in decorrelated colour (measured on 10-s zooms of the sample photo: the chroma's fine-scale
#: energy halves and the mean chroma stays near the photo's instead of rising to neon);
#: ``object`` makes class pictures that a network which did not make them recognises: Fourier steps
#: and four strongly varied views a step (``benchmarks/classes.py`` chose them: with SqueezeNet
#: dreaming and EfficientNet-Lite0 judging, they beat fewer views, more views, weaker and stronger
#: transforms, a steeper spectrum and the softmax objective), climbed through each pixel's logit
#: with noisier views (vivid instead of washed out: median rank 2 against 7 over 20 classes × 3 seeds).
PRIOR_PRESETS = {
    "dream": PriorSettings(gradient="gaussian", sigma=0.7, scale=0.02, rotate=2.0, colour=True),
    "object": PriorSettings(
        scale=0.25, rotate=20.0, views=4, crop=0.5, flip=True, noise=0.1, fourier=True, bounded=True
    ),
    "none": PriorSettings(),
}
