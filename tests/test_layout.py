"""The test tree's own rules: it mirrors the packages, test modules never import one another, and no
suite skips itself for a missing dev dependency (a silent skip hides a broken install)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SOURCES = sorted(TESTS.rglob("*.py"))


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module `path` imports, relative imports resolved against its package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from . import test_x` names modules too, not only attributes.
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{a.name}") for a in node.names)
    return found


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    """Shared helpers go in `tests/helpers/` (plain code) or a `conftest.py` (fixtures), never in a test module."""
    bad: dict[str, str] = {}
    for path in SOURCES:
        for line, name in _imported_modules(path):
            if any(part.startswith("test_") or part == "conftest" for part in name.split(".")):
                bad.setdefault(f"{path.relative_to(ROOT)}:{line}", name)
    assert not bad, "imports of a test module or a conftest:\n" + "\n".join(f"{k}: {v}" for k, v in bad.items())


def test_no_suite_skips_for_a_missing_dependency() -> None:
    """Dev dependencies are required: `tests.helpers.requirements.require()` fails, naming the fix."""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "importorskip"
    ]
    assert not calls, f"importorskip calls: {calls}"


def test_test_folders_are_packages_that_mirror_the_code() -> None:
    """Every folder of tests is a package (so two `test_widget.py` never collide), and under
    `tests/tracefile/` and `tests/viewer/` it is named after the package it tests."""
    folders = {p.parent for p in TESTS.rglob("test_*.py")}
    not_packages = [str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()]
    assert not not_packages, f"test folders without an __init__.py: {not_packages}"
    mirrors = [f.relative_to(TESTS) for f in folders if f.relative_to(TESTS).parts[:1] in (("tracefile",), ("viewer",))]
    unmirrored = [f"tests/{f}" for f in mirrors if not (ROOT / f).is_dir()]
    assert not unmirrored, f"test folders with no package of that name: {unmirrored}"
