"""ImageNet class names: shipped with the package, looked up by name or number, searched."""

from __future__ import annotations

import pytest

from dreamzoom import classes
from dreamzoom.errors import DreamzoomError


def test_class_names_ship_with_the_package():
    assert len(classes.synonyms()) == 1000
    assert classes.name(954) == "banana" and classes.name(967) == "espresso"
    assert classes.index_of(954, "k") == 954 and classes.index_of("Egyptian cat", "k") == 285
    assert (285, "Egyptian cat") in classes.search("egyptian")
    with pytest.raises(
        DreamzoomError,
        match=r"^dream.objectives.0.class: no ImageNet class is called 'bananna' \(did you mean 'banana'",
    ):
        classes.index_of("bananna", "dream.objectives.0.class")
    with pytest.raises(DreamzoomError, match="outside 0–999"):
        classes.index_of(1000, "k")
