"""Diagnostics from Terraform's text output (commands without -json, errors on stderr).

With -no-color a diagnostic reads:

    Error: local-exec provisioner error

      with module.environment.module.cilium.terraform_data.cilium,
      on cilium/main.tf line 12, in resource "terraform_data" "cilium":
      12:   provisioner "local-exec" {

    Error running command '...': exit status 1. Output: ...

The `with ADDRESS,` line names the failing resource (docs/known-issues.md, issue 1).
"""

from __future__ import annotations

import re

from vixens_tui.core.ports import TfDiagnostic

_HEAD = re.compile(r"^(Error|Warning): (.*)$")
_WITH = re.compile(r"^\s+with (\S+?),?$")
_ON = re.compile(r"^\s+on .+ line \d+")
_BOX = re.compile(r"^[\u2577\u2575]\s*$|^\u2502 ?")
"""The frame Terraform draws around a diagnostic when colours are on."""


def parse_text_diagnostics(text: str) -> tuple[TfDiagnostic, ...]:
    found: list[TfDiagnostic] = []
    severity = summary = address = ""
    detail: list[str] = []
    header = snippet = False

    def close() -> None:
        if summary:
            found.append(TfDiagnostic(severity, summary, "\n".join(detail).strip(), address))

    lines = [_BOX.sub("", raw).rstrip() for raw in text.splitlines()]
    for index, line in enumerate(lines):
        head = _HEAD.match(line)
        # A heading stands alone between blank lines; "Error: ..." inside a detail (a
        # provisioner's output) does not.
        alone = (index == 0 or not lines[index - 1]) and (
            index + 1 == len(lines) or not lines[index + 1]
        )
        if head and alone:
            close()
            severity, summary = head.group(1).lower(), head.group(2).strip()
            address, detail, header, snippet = "", [], True, False
            continue
        if not summary:
            continue
        if header:
            if not line:
                snippet = False
                continue
            with_line = _WITH.match(line)
            if with_line and not address:
                address = with_line.group(1)
                continue
            if _ON.match(line):
                snippet = True
                continue
            if snippet:
                continue  # the source excerpt under "on FILE line N"
            header = False
        detail.append(line)
    close()
    return tuple(found)
