"""What a stage gets to do its work: the profile, the backends, and ways to report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from vixens_tui.core.cancel import CancelToken
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.events import Event, Info, LogLine, LogLines
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import (
    Backends,
    ClusterBackend,
    HttpProber,
    TalosBackend,
    TerraformBackend,
)
from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import Redactor


@dataclass(frozen=True, slots=True)
class DestroyPreview:
    """What a destroy is about to remove, shown in the confirmation and journaled."""

    env: str
    endpoint: str
    kubeconfig_server: str | None
    addresses: tuple[str, ...]
    namespaces: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    volume_claims: tuple[str, ...] = ()
    cluster_reachable: bool = False
    etcd_snapshot: str = ""
    """Where etcd's snapshot was saved, with its size ("" when none was taken)."""
    no_etcd_snapshot: str = ""
    """Why none was taken, when none was: the confirmation says what is at stake."""


ConfirmDestroy = Callable[[DestroyPreview], bool]


@dataclass
class StageContext:
    profile: Profile
    backends: Backends
    stage: StageName
    attempt: int
    cancel: CancelToken
    run: Checkpoint
    redactor: Redactor
    emit_raw: Callable[[Event], None]
    confirm_destroy: ConfirmDestroy
    deadline: float = field(default_factory=lambda: time.monotonic() + 3600)
    log_file: IO[str] | None = None
    """The attempt's log: every tool line, raw, as it came."""
    state_dir: Path | None = None
    """The environment's state directory (where the destroy saves etcd's snapshot)."""

    @property
    def terraform(self) -> TerraformBackend:
        return self.backends.terraform

    @property
    def cluster(self) -> ClusterBackend:
        return self.backends.cluster

    @property
    def http(self) -> HttpProber:
        return self.backends.http

    @property
    def talos(self) -> TalosBackend | None:
        """None when nothing speaks to Talos, or when the profile says not to (talos_api)."""
        return self.backends.talos if self.profile.talos_api else None

    def emit(self, event: Event) -> None:
        self.emit_raw(event)

    def info(self, message: str, level: str = "info") -> None:
        self.emit_raw(Info(stage=self.stage, message=message, level=level))
        self.write_log(f"# {message}")

    def log(self, text: str, source: str = "terraform", level: str = "info", raw: str = "") -> None:
        self.write_log(raw or text)
        self.emit_raw(LogLine(stage=self.stage, source=source, text=text, level=level))

    def log_many(self, items: list[tuple[str, str, str]], source: str = "terraform") -> None:
        """(text, level, raw) lines read together: one write, one event."""
        if not items:
            return
        if self.log_file is not None:
            # One write and one flush per pipe read, not per line: what was read is on disk
            # (a kill -9 loses nothing already shown) at a fraction of the syscalls.
            self.log_file.write(
                self.redactor.scrub(
                    "".join((raw or text).rstrip("\n") + "\n" for text, _, raw in items)
                )
            )
            self.log_file.flush()
        self.emit_raw(
            LogLines(stage=self.stage, source=source, lines=tuple((t, lv) for t, lv, _ in items))
        )

    def write_log(self, line: str) -> None:
        if self.log_file is not None:
            self.log_file.write(self.redactor.scrub(line.rstrip("\n")) + "\n")
            self.log_file.flush()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()
