"""The package's version, in a room of its own at the lowest level: the CLI and the provenance
sidecar read it from here, not from the package (``dreamzoom/__init__.py`` imports them lazily, so
importing it back from them would make a cycle)."""

__version__ = "0.1.0"
