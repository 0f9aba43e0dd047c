"""The core and the headless front end never import textual or rich."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import vixens_tui.core

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(vixens_tui.core.__path__, "vixens_tui.core.")
        if not m.name.endswith("__main__")
    )


def test_core_and_headless_import_no_screen_library() -> None:
    modules = [*core_modules(), "vixens_tui.headless", "vixens_tui.status", "vixens_tui.wiring"]
    assert len(modules) > 20
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "", f"imported: {out.stdout}"


def test_core_imports_no_backend_client() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'python_terraform', 'httpx', 'textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a development dependency"
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "core and headless never import textual or rich KEPT" in result.stdout
