"""``python -m dreamzoom.cli``: the same as the ``dreamzoom`` command, as it was when the command
line was one module."""

import sys

from . import main

sys.exit(main())
