"""Which tools the Terraform configuration's provisioners run, read from its files.

A `local-exec` provisioner runs a command on this host, with Terraform's environment: the
user's Talos module runs `talosctl reset` when it destroys a node and `talosctl upgrade` after
the bootstrap. A tool missing from Terraform's PATH fails there, in the middle of a destroy or
an apply; preflight looks for it first (talos_preflight.check_talosctl). The configuration is
read as text: the root directory's .tf files and those of every module it calls from a local
path (`source = "../../modules/talos"`), recursively. A registry module is not on disk before
`terraform init` and is not read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)
_PROVISIONER = re.compile(r'^\s*provisioner\s+"local-exec"\s*\{', re.M)
_COMMENT = re.compile(r"^\s*(#|//)")
_MAX_MODULES = 500
"""A configuration has a few modules: a bound, should sources loop back on themselves."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One line of a provisioner's command that runs the tool."""

    file: str
    """Relative to the root module's directory."""
    line: int
    subcommand: str


def module_dirs(root: Path) -> list[Path]:
    """The root module's directory and each local module it calls, each once."""
    seen: list[Path] = []
    pending = [root.resolve()]
    while pending and len(seen) < _MAX_MODULES:
        directory = pending.pop(0)
        if directory in seen or not directory.is_dir():
            continue
        seen.append(directory)
        for tf in sorted(directory.glob("*.tf")):
            for source in _MODULE_SOURCE.findall(_read(tf)):
                pending.append((directory / source).resolve())
    return seen


def tool_calls(root: Path, tool: str) -> list[ToolCall]:
    """Every line of a `local-exec` provisioner's command, in the configuration under `root`,
    that runs `tool` (a word of its own followed by a subcommand: `until kubectl get ...`)."""
    run = re.compile(rf"(?:^|[\s;&|(`]|\$\()\s*{re.escape(tool)}\s+([a-z][a-z-]*)")
    found: list[ToolCall] = []
    base = root.resolve()
    for directory in module_dirs(root):
        for tf in sorted(directory.glob("*.tf")):
            text = _read(tf)
            for block_start in _PROVISIONER.finditer(text):
                block = _block(text, block_start.end())
                first_line = text.count("\n", 0, block_start.end()) + 1
                for offset, line in enumerate(block.split("\n")):
                    if _COMMENT.match(line):
                        continue
                    hit = run.search(line.strip())
                    if hit:
                        found.append(
                            ToolCall(_relative(tf, base), first_line + offset, hit.group(1))
                        )
    return found


def _block(text: str, start: int) -> str:
    """The text of the block whose `{` ends just before `start`, up to its matching `}`
    (braces in heredocs and strings count too: enough for a provisioner's command)."""
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return text[start:]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _relative(path: Path, base: Path) -> str:
    # A module beside the root's directory (../../modules/talos): shown from their parent.
    return str(path.relative_to(os.path.commonpath([base, path])))
