"""``python -m dreamzoom``: the same as the ``dreamzoom`` command."""

import sys

from .cli import main

sys.exit(main())
