"""`python -m tracefile` runs the `tracy` command."""

import sys

from .cli import main

sys.exit(main())
