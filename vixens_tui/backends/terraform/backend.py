"""The Terraform backend: the core's `TerraformBackend` port over python-terraform.

Short commands (version, validate, state list, state rm, force-unlock, init) return their
rendered output. apply and destroy run with `-json` and stream: every stdout line becomes a
`TfLog` (plus a `TfResource` or `TfDiagnostic` when it is about one) for the listener, in the
calling thread. A cancellation sends SIGINT to terraform's process group so it halts and
releases its state lock; the result then says `interrupted=True`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, IsNotFlagged

from vixens_tui.backends import process
from vixens_tui.backends.terraform.engine import TerraformEngine
from vixens_tui.backends.terraform.jsonstream import (
    JsonStream,
    diagnostic_from_json,
    render_diagnostic,
)
from vixens_tui.backends.terraform.statelock import describe_lock
from vixens_tui.backends.terraform.strays import stop_strays
from vixens_tui.backends.terraform.textdiag import parse_text_diagnostics
from vixens_tui.backends.terraform.wrapper import GroupedTerraform
from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.ports import (
    TerraformError,
    TfDiagnostic,
    TfListener,
    TfLog,
    TfResult,
    ToolRun,
)
from vixens_tui.text.durations import duration

_TEXT_VERSION = re.compile(r"Terraform v(\d+\.\d+\.\d+\S*)")
_NO_STATE = "No state file was found"
TOOL_TIMEOUT_S = 30.0
"""`talosctl version --client` answers at once; a tool that hangs is reported, not waited on."""
_UNDECLARED = "Reference to undeclared input variable"

Starter = Callable[[], tuple[subprocess.Popen[bytes], None, None]]


class PythonTerraformBackend:
    """Terraform in one working directory, run by `engine` (a real binary or the shim)."""

    def __init__(
        self,
        working_dir: Path | str,
        engine: TerraformEngine,
        *,
        env: Mapping[str, str] | None = None,
        grace_s: float = 30.0,
        parallelism: int | None = None,
    ) -> None:
        """`env` is added to ours and the engine's (e.g. what the demo's hook reads);
        `grace_s` is how long an interrupted terraform may take before SIGTERM."""
        self.working_dir = Path(working_dir)
        self.engine = engine
        self.grace_s = grace_s
        self.parallelism = parallelism
        self.tf = GroupedTerraform(self.working_dir, engine.binary, {**engine.env, **(env or {})})

    # -- short commands --------------------------------------------------------------------

    def _run(self, cmd: str, *args: str, **kwargs: Any) -> tuple[int, str, str]:
        if not self.working_dir.is_dir():
            raise TerraformError(f"terraform directory {self.working_dir} does not exist")
        try:
            rc, out, err = self.tf.cmd(cmd, *args, **kwargs)
        except OSError as exc:
            raise TerraformError(f"cannot run {self.engine.binary}: {exc}") from None
        return int(rc), str(out), str(err)

    def version(self) -> str:
        rc, out, err = self._run("version", json=IsFlagged)
        if rc != 0:
            raise TerraformError(f"terraform version failed (rc={rc}): {_last_line(err or out)}")
        try:
            return str(json.loads(out)["terraform_version"])
        except (ValueError, KeyError, TypeError):
            found = _TEXT_VERSION.search(out)  # a terraform too old for `version -json`
            if found is None:
                raise TerraformError(
                    f"unexpected `terraform version` output: {out[:200]!r}"
                ) from None
            return found.group(1)

    def tool(self, name: str, *args: str) -> ToolRun:
        env = self.tf.environment()
        search = env.get("PATH", os.defpath)
        path = shutil.which(name, path=search)
        if path is None:
            return ToolRun(name, "", None, f"not found on Terraform's PATH ({search})")
        try:
            done = subprocess.run(
                [path, *args],
                check=False,
                env=env,
                cwd=self.working_dir if self.working_dir.is_dir() else None,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TOOL_TIMEOUT_S,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return ToolRun(name, path, None, f"{type(exc).__name__}: {exc}")
        return ToolRun(name, path, done.returncode, done.stdout + done.stderr)

    def init(self) -> TfResult:
        """`terraform init` (the product expects an initialised directory; the demo needs it)."""
        rc, out, err = self._run_builder(
            lambda: self.tf.init(reconfigure=IsNotFlagged, var=None, no_color=IsFlagged)
        )
        return _short_result("init", rc, out, err)

    def validate(self) -> TfResult:
        rc, out, err = self._run("validate", json=IsFlagged, no_color=IsFlagged)
        try:
            data = json.loads(out)
            diagnostics = tuple(diagnostic_from_json(d) for d in data.get("diagnostics") or ())
        except (ValueError, AttributeError, TypeError):
            return _short_result("validate", rc, out, err)
        if rc != 0 and not diagnostics:
            diagnostics = parse_text_diagnostics(err)
        lines = [render_diagnostic(d) for d in diagnostics]
        if rc == 0:
            lines.append("Success! The configuration is valid.")
        elif not lines:
            lines.append(_last_line(err) or f"terraform validate failed (rc={rc})")
        return TfResult("validate", rc, diagnostics, output="\n".join(lines) + "\n")

    def state_list(self) -> tuple[str, ...]:
        rc, out, err = self._run("state list", no_color=IsFlagged)
        if rc == 0:
            return tuple(line.strip() for line in out.splitlines() if line.strip())
        # "No state file was found!" is also printed before a backend's own error (an
        # unreachable S3: "Error loading the state: ... connection refused"): only on its own
        # does it mean an empty state. Taken for empty, an unreachable backend would pass for
        # a destroyed cluster.
        if _NO_STATE in err and not _error_lines(err):
            return ()
        raise TerraformError(f"terraform state list failed (rc={rc}): {_reason(err, out)}")

    def outputs(self) -> Mapping[str, Any]:
        rc, out, err = self._run("output", json=IsFlagged, no_color=IsFlagged)
        if rc != 0:
            raise TerraformError(f"terraform output failed (rc={rc}): {_reason(err, out)}")
        try:
            data = json.loads(out) if out.strip() else {}
        except ValueError:
            raise TerraformError(f"unexpected `terraform output -json`: {out[:200]!r}") from None
        if not isinstance(data, dict):
            raise TerraformError(f"unexpected `terraform output -json`: {out[:200]!r}")
        return {
            str(name): item.get("value") for name, item in data.items() if isinstance(item, dict)
        }

    def evaluate(self, expression: str) -> Any:
        # jsonencode(): the console prints HCL, whose strings are JSON strings; the JSON text
        # of the value, printed as such a string, decodes exactly whatever the value's type.
        rc, out, err = self._run(
            "console", no_color=IsFlagged, stdin_text=f"jsonencode({expression})\n"
        )
        if rc != 0:
            if _UNDECLARED in err:
                return None
            raise TerraformError(
                f"terraform console ({expression}) failed (rc={rc}): {_reason(err, out)}"
            )
        try:
            return json.loads(json.loads(out.strip().splitlines()[-1]))
        except (ValueError, IndexError, TypeError):
            raise TerraformError(
                f"unexpected `terraform console` output for {expression}: {out[:200]!r}"
            ) from None

    def state_rm(self, address: str) -> TfResult:
        # python-terraform has no state_rm(): `terraform state_rm` is not a command.
        rc, out, err = self._run("state rm", address, no_color=IsFlagged)
        return _short_result("state rm", rc, out, err)

    def force_unlock(self, lock_id: str) -> TfResult:
        rc, out, err = self._run("force-unlock", lock_id, force=IsFlagged, no_color=IsFlagged)
        return _short_result("force-unlock", rc, out, err)

    def _run_builder(self, call: Callable[[], Any]) -> tuple[int, str, str]:
        try:
            rc, out, err = call()
        except OSError as exc:
            raise TerraformError(f"cannot run {self.engine.binary}: {exc}") from None
        return int(rc), str(out), str(err)

    # -- streaming commands ----------------------------------------------------------------

    def apply(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        # skip_plan=True, else python-terraform passes -auto-approve=false and terraform waits
        # for a "yes" on a closed stdin.
        return self._stream(
            "apply",
            lambda: self.tf.apply(
                skip_plan=True,
                json=IsFlagged,
                var=None,
                parallelism=self.parallelism,
                synchronous=False,
            ),
            listener,
            cancel,
        )

    def destroy(self, listener: TfListener, cancel: CancelToken) -> TfResult:
        # force=IsNotFlagged: python-terraform adds -force by default, which Terraform >= 0.15
        # rejects; -auto-approve replaces it.
        return self._stream(
            "destroy",
            lambda: self.tf.destroy(
                force=IsNotFlagged,
                auto_approve=IsFlagged,
                json=IsFlagged,
                var=None,
                parallelism=self.parallelism,
                synchronous=False,
            ),
            listener,
            cancel,
        )

    def _stream(
        self, command: str, start: Starter, listener: TfListener, cancel: CancelToken
    ) -> TfResult:
        if cancel.cancelled:  # never start a destroy or an apply while the run is stopping
            return TfResult(command, 1, interrupted=True, output=f"{command} not started")
        if not self.working_dir.is_dir():
            raise TerraformError(f"terraform directory {self.working_dir} does not exist")
        for pid in stop_strays(self.working_dir, grace_s=self.grace_s):
            listener(
                TfLog(
                    f"stopped terraform (pid {pid}) left running in {self.working_dir} by an "
                    f"earlier, killed run",
                    level="warning",
                )
            )
        stream = JsonStream(listener)
        try:
            proc, _, _ = start()
        except OSError as exc:
            raise TerraformError(f"cannot run {self.engine.binary}: {exc}") from None
        try:
            result = process.supervise(
                proc,
                stream.feed,
                cancel,
                grace_s=self.grace_s,
                on_chunk=stream.flush,
                on_interrupt=lambda: listener(
                    TfLog(
                        f"stopping: terraform {command} got the interrupt and has "
                        f"{duration(self.grace_s)} to stop on its own (it finishes the "
                        "operations in flight, writes its state, releases its lock) before it "
                        "is terminated",
                        level="warning",
                    )
                ),
            )
        finally:
            self.tf.temp_var_files.clean_up()
        diagnostics = list(stream.diagnostics)
        if result.stderr.strip():
            # With -json everything should be on stdout: stderr holds what came before -json
            # took effect (a usage error) or a crash. Show it, and read diagnostics from it.
            level = "error" if result.rc != 0 else "warning"
            for line in result.stderr.splitlines():
                listener(TfLog(line, line, level))
            if result.rc != 0 and not any(d.severity == "error" for d in diagnostics):
                for diag in map(describe_lock, parse_text_diagnostics(result.stderr)):
                    diagnostics.append(diag)
                    listener(diag)
        return TfResult(
            command,
            result.rc,
            tuple(diagnostics),
            interrupted=result.interrupted,
            summary=dict(stream.summary),
        )


def _error_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line.startswith("Error")]


def _reason(err: str, out: str) -> str:
    """Terraform's own words for a failed short command: its error diagnostics (a held lock
    described with its holder), else its first line that says "Error" (a backend's
    "Error loading the state: ... connection refused" is no diagnostic block), else its last.
    """
    diags = [d for d in parse_text_diagnostics(err) if d.severity == "error"]
    if diags:
        return "; ".join(" ".join(describe_lock(d).text().split()) for d in diags)
    return next(iter(_error_lines(err or out)), _last_line(err or out))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _short_result(command: str, rc: int, out: str, err: str) -> TfResult:
    diagnostics: tuple[TfDiagnostic, ...] = ()
    if err.strip() or rc != 0:
        diagnostics = tuple(describe_lock(d) for d in parse_text_diagnostics(err + "\n" + out))
    if rc != 0 and not any(d.severity == "error" for d in diagnostics):
        # e.g. "Failed to unlock state: LocalState not locked": no "Error:" block to parse.
        reason = _first_line(err) or _last_line(out) or f"terraform {command} failed (rc={rc})"
        diagnostics = (*diagnostics, TfDiagnostic("error", reason))
    output = out + (err if err.endswith("\n") or not err else err + "\n")
    return TfResult(command, rc, diagnostics, output=output)
