"""Shared test setup: Qt runs offscreen, and no test touches the user's settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
