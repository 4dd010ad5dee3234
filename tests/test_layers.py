"""The layers hold: what each package may import, checked in the source and in fresh interpreters.

`docs/ARCHITECTURE.md` draws the layers; this test keeps the drawing true.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Which tracefile packages each layer may import (besides itself). Imports run one way:
#: conventions and the format core at the bottom, recording and interop on the format,
#: the CLI on top; `testing` is for demos and tests and nothing in the library uses it.
ALLOWED = {
    "tracefile.genai": {"tracefile.genai"},
    "tracefile.settings": set(),
    "tracefile.format": {"tracefile.genai"},
    "tracefile.record": {"tracefile.format", "tracefile.genai", "tracefile.settings"},
    "tracefile.interop": {"tracefile.format", "tracefile.genai"},
    "tracefile.search": {"tracefile.format", "tracefile.genai"},
    "tracefile.push": {"tracefile.format", "tracefile.genai", "tracefile.interop", "tracefile.search", "tracefile.settings"},
    "tracefile.testing": {"tracefile.format", "tracefile.genai", "tracefile.record", "tracefile.settings"},
    # The OTLP receiver: interop decodes what arrives, record redacts and writes it.
    "tracefile.receive": {"tracefile.format", "tracefile.genai", "tracefile.settings", "tracefile.record", "tracefile.interop"},
}

#: What the viewer may import from tracefile: the public reading API, the conventions, the search
#: query language and the importers, never a module's insides; to add feedback to a file, the
#: recording layer's public `append_feedback` (it redacts the comment as recording does); and the
#: OTLP receiver, for a live tab that any language's SDK sends to.
VIEWER_ALLOWED = ("tracefile", "tracefile.format", "tracefile.genai", "tracefile.interop", "tracefile.record",
                  "tracefile.receive", "tracefile.search")  # fmt: skip

#: Third-party packages a layer must never load.
FORBIDDEN_THIRD_PARTY = {
    "tracefile.genai": ("opentelemetry", "PySide6"),
    "tracefile.format": ("opentelemetry", "PySide6"),
    "tracefile.interop": ("opentelemetry", "PySide6"),
    "tracefile.search": ("opentelemetry", "PySide6"),
    "tracefile.record": ("PySide6",),
    "tracefile.push": ("PySide6",),
    "tracefile.testing": ("PySide6",),
    "tracefile.receive": ("PySide6",),
    "tracefile.settings": ("opentelemetry", "PySide6"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import in a module, lazy ones inside functions included: (line, module, names)."""
    tree = ast.parse(path.read_text(), str(path))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = []
    # Imports only a type checker runs are annotations, not dependencies.
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in node.body
        for n in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module, [a.name for a in node.names]))
    return found


def _layer_of(module: str) -> str | None:
    for layer in ALLOWED:
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _targets(module: str, names: list[str]) -> list[str]:
    """The tracefile modules an import statement reaches (``from tracefile import genai`` reaches genai)."""
    if module == "tracefile":
        return [f"tracefile.{n}" for n in names] or ["tracefile"]
    return [module]


def _sources(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for path in _sources("tracefile"):
        me = _module_name(path)
        layer = _layer_of(me)
        if layer is None:  # the package's front door and the CLI sit on top of everything
            continue
        for line, module, names in _imports(path):
            if not module.startswith("tracefile"):
                continue
            for target in _targets(module, names):
                other = _layer_of(target)
                if target in ("tracefile", "tracefile.__version__"):
                    continue
                if other != layer and other not in ALLOWED[layer]:
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_library_module_names_qt_or_the_viewer():
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in _sources("tracefile")
        for line, module, _ in _imports(path)
        if module.split(".")[0] in ("PySide6", "shiboken6", "viewer")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_viewer_uses_only_the_public_reading_api():
    wrong = []
    for path in _sources("viewer"):
        for line, module, names in _imports(path):
            if not module.startswith("tracefile"):
                continue
            if module not in VIEWER_ALLOWED and not module.startswith(("tracefile.genai.", "tracefile.search.")):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
            elif module == "tracefile" and any(n not in _public_names("tracefile") for n in names):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {names} from tracefile")
            elif any(n.startswith("_") for n in names):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports private {names} from {module}")
    assert not wrong, "\n".join(wrong)


def _public_names(module: str) -> set[str]:
    import importlib

    mod = importlib.import_module(module)
    return set(mod.__all__) | {"__version__", "genai", "format", "interop"}


def _loaded_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules} | {m for m in sys.modules if m.startswith('opentelemetry.sdk')})))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_THIRD_PARTY))
def test_importing_a_layer_loads_nothing_it_must_not(layer):
    modules = [_module_name(p) for p in _sources(layer.replace(".", "/"))] if (ROOT / layer.replace(".", "/")).is_dir() else [layer]
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules if not m.endswith("__main__")))
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN_THIRD_PARTY[layer])
    assert not bad, f"importing {layer} loads {bad}"


def test_reading_and_converting_tracy_files_never_loads_the_sdk(tmp_path):
    golden = ROOT / "tests" / "data" / "golden-v1.tracy"
    json_out, back = tmp_path / "run.json", tmp_path / "back.tracy"
    code = f"""
import contextlib, io
from tracefile.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["info", {str(golden)!r}]) == 0
    assert main(["info", {str(golden)!r}, "--json"]) == 0
    assert main(["validate", {str(golden)!r}]) == 0
    assert main(["convert", {str(golden)!r}, {str(json_out)!r}]) == 0
    assert main(["convert", {str(json_out)!r}, {str(back)!r}]) == 0
import tracefile
assert len(tracefile.load({str(back)!r}).spans) == len(tracefile.load({str(golden)!r}).spans)
"""
    loaded = _loaded_after(code)
    assert "opentelemetry" not in loaded and "PySide6" not in loaded, sorted(loaded)
