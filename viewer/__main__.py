"""``python -m viewer``: same as ``tracy-view``."""

import sys

from .app import main

sys.exit(main())
