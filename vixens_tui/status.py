"""`vixens-tui status`: the environment's last run, stage by stage. Read-only: takes no lock,
moves no file."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from vixens_tui.core.checkpoint.lock import UnusableLockFile, read_holder
from vixens_tui.core.checkpoint.model import ChecklistState, Checkpoint
from vixens_tui.core.checkpoint.store import StateError
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.options import Options
from vixens_tui.quiet_pipe import quiet_on_broken_pipe
from vixens_tui.text.durations import duration
from vixens_tui.wiring import env_state


def _dur(seconds: float | None) -> str:
    return "-" if seconds is None else duration(seconds)


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def render_text(cp: Checkpoint, holder: str | None, earlier: str = "") -> str:
    lines = [
        f"environment {cp.env}{' (demo)' if cp.demo else ''}: run {cp.run_id}, "
        f"{cp.outcome.value}" + (f" (exit {cp.exit_code})" if cp.exit_code is not None else ""),
        f"started {_when(cp.created_at)}, last update {_when(cp.updated_at)} by {cp.holder or '?'}"
        + (f", resumed {cp.resumes}x" if cp.resumes else ""),
        f"lock: {holder or 'free'}",
    ]
    if cp.message:
        lines.append(f"message: {cp.message}")
    lines.append("")
    lines.append(f"{'STAGE':<12} {'STATUS':<12} {'TRIES':>5} {'LAST':>7} {'TOTAL':>7}  NOTE")
    for rec in cp.stages:
        note = rec.error if rec.error else (rec.summary or rec.skip_reason or "")
        lines.append(
            f"{rec.name.value:<12} {rec.status.value:<12} {rec.attempts:>5} "
            f"{_dur(rec.duration_s):>7} {_dur(rec.total_s if rec.attempts else None):>7}  {note}"
        )
    if cp.etcd_snapshot is not None:
        snap = cp.etcd_snapshot
        lines.append("")
        lines.append(
            f"etcd snapshot: {snap.path} ({snap.size:,} bytes, sha256 {snap.sha256}, from "
            f"{snap.node}, {_when(snap.at)})"
        )
    elif earlier:
        lines.append("")
        lines.append(f"etcd snapshot of an earlier run: {earlier}")
    if cp.fixes:
        lines.append("")
        lines.append("fixes applied:")
        for fix in cp.fixes:
            verdict = "ok" if fix.ok else "FAILED"
            lines.append(
                f"  {_when(fix.at)} {fix.issue_id} in {fix.stage.value} ({fix.by}, {verdict}): {fix.detail}"
            )
    if cp.checklist:
        proved = sum(1 for c in cp.checklist if c.state == ChecklistState.PROVED)
        manual = sum(1 for c in cp.checklist if c.state == ChecklistState.MANUAL)
        lines.append("")
        lines.append(f"checklist: {proved}/{len(cp.checklist)} proved, {manual} ticked by hand")
        for item in cp.checklist:
            mark = {"proved": "[x]", "manual": "[m]", "failed": "[!]"}.get(item.state.value, "[ ]")
            evidence = f": {item.evidence}" if item.evidence else ""
            lines.append(f"  {mark} {item.title}{evidence}")
    return "\n".join(lines)


def _latest_snapshot(directory: Path) -> str:
    """The newest snapshot file an earlier run left ("" when none): "path (size)"."""
    try:
        files = [p for p in directory.glob("etcd-*.db") if p.is_file() and not p.is_symlink()]
        newest = max(files, key=lambda p: p.stat().st_mtime, default=None)
        return f"{newest} ({newest.stat().st_size:,} bytes)" if newest else ""
    except OSError:
        return ""


@quiet_on_broken_pipe
def run(options: Options) -> int:
    state = env_state(options)
    try:
        checkpoint = state.load(set_aside=False)
        holder = read_holder(state.lock_path)
    except (StateError, UnusableLockFile) as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    holder_text = f"held by {holder.describe()}" if holder else None
    if checkpoint is None:
        if options.json:
            print(json.dumps({"env": state.env, "run": None, "lock": holder_text}))
        elif holder_text:
            # The lock comes before the first checkpoint: a run is starting (or still in its
            # preflight reads), not absent.
            print(f"environment {state.env}: a run is starting ({holder_text}), no checkpoint yet")
        else:
            print(f"environment {state.env}: no run recorded in {state.dir}")
        return ExitCode.DONE
    if options.json:
        data = json.loads(checkpoint.model_dump_json())
        print(json.dumps({"env": state.env, "run": data, "lock": holder_text}, indent=2))
    else:
        print(render_text(checkpoint, holder_text, _latest_snapshot(state.dir / "snapshots")))
    return ExitCode.DONE
