"""python-terraform 0.10.1, with its quirks handled (docs/testing.md, section 2).

- `cmd(..., synchronous=False)` puts `-synchronous=false` on the command line: the kwarg is
  dropped in `generate_cmd_string` (and popped in `cmd`) before the arguments are built.
- Its own `cmd` starts terraform with a plain Popen: same process group as us (a Ctrl-C in our
  terminal would hit terraform directly, and provisioner children could outlive it), the
  environment fixed to `os.environ`, stdout and stderr read only at the end. `cmd` is overridden
  to start it through `process.spawn` (own session, our environment added) and, for a
  synchronous call, to drain both pipes through `process.supervise`. The arguments are still
  built by python-terraform (`apply()`, `destroy()`, `generate_cmd_string`).
- Because of that override, python-terraform's failure path, which calls the deprecated
  `Logger.warn`, is never taken.
- `stdin_text=` (popped before the arguments are built) feeds `terraform console` its
  expression; every other command gets /dev/null.
- The other quirks are the callers' business: `destroy(force=IsNotFlagged)` (it adds `-force`,
  which current Terraform rejects), `apply(skip_plan=True)` (else `-auto-approve=false` waits for
  an answer), `cmd("state rm", address)` (there is no `state_rm()`), `no_color=IsFlagged` on
  `cmd()`, and `var=None` (else every call writes a temporary var file).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from python_terraform import Terraform, TerraformCommandError

from vixens_tui.backends import process

CmdResult = tuple[int, str, str]


class GroupedTerraform(Terraform):  # type: ignore[misc]  # python-terraform has no types
    def __init__(
        self,
        working_dir: Path | str,
        terraform_bin_path: Path | str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        # Set before the base __init__: python-terraform's __getattr__ turns any missing
        # attribute into a terraform command.
        self.extra_env = dict(env or {})
        super().__init__(working_dir=str(working_dir), terraform_bin_path=str(terraform_bin_path))

    def read_state_file(self, file_path: str | None = None) -> None:
        """Not used: `terraform state list` is the truth (a remote backend has no local file),
        and parsing a state file that terraform is writing could raise."""

    def environment(self) -> dict[str, str]:
        env = dict(os.environ) if self.is_env_vars_included else {}
        env.update(self.extra_env)
        return env

    def generate_cmd_string(self, cmd: str, *args: Any, **kwargs: Any) -> list[str]:
        kwargs.pop("synchronous", None)
        argv: list[str] = super().generate_cmd_string(cmd, *args, **kwargs)
        return argv

    def cmd(self, cmd: str, *args: Any, **kwargs: Any) -> Any:
        """As python-terraform's: (rc, stdout, stderr), or (Popen, None, None) when
        `synchronous=False`; terraform always runs in its own process group."""
        kwargs.pop("capture_output", None)  # always captured: nothing goes to our terminal
        raise_on_error = bool(kwargs.pop("raise_on_error", False))
        synchronous = kwargs.pop("synchronous", True)
        stdin_text: str | None = kwargs.pop("stdin_text", None)
        argv = self.generate_cmd_string(cmd, *args, **kwargs)
        if not synchronous:
            return self.start(argv), None, None
        lines: list[str] = []
        stdin_data = None if stdin_text is None else stdin_text.encode()
        try:
            result = process.supervise(self.start(argv, stdin_data), lines.append)
        finally:
            self.temp_var_files.clean_up()
        out = "".join(f"{line}\n" for line in lines)
        if result.rc != 0 and raise_on_error:
            raise TerraformCommandError(result.rc, " ".join(argv), out=out, err=result.stderr)
        return result.rc, out, result.stderr

    def start(self, argv: list[str], stdin_data: bytes | None = None) -> subprocess.Popen[bytes]:
        return process.spawn(
            argv, cwd=self.working_dir or None, env=self.environment(), stdin_data=stdin_data
        )
