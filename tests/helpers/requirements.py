"""Dev dependencies a suite cannot run without: missing, they fail the suite with the fix, never skip it."""

from __future__ import annotations

import importlib

import pytest


def require(module: str, package: str) -> None:
    """Fail (not skip) unless `module` imports: a dev dependency that is missing is a broken install."""
    try:
        importlib.import_module(module)
        return
    except ImportError as exc:
        reason = str(exc)
    pytest.fail(f"{package} is not installed ({reason}); it is a dev dependency: run ./dev setup", pytrace=False)


def require_azure() -> None:
    """The suites that record the real Azure AI Inference SDK need it installed."""
    require("azure.ai.inference", "azure-ai-inference")
