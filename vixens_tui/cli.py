"""Command line: parse the arguments, pick a front end.

Imports nothing heavy at module level: `vixens-tui --help` must answer at once over SSH, so
pydantic, textual, the kubernetes client and the simulator are imported only by the command
that needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vixens_tui import __version__
from vixens_tui.core.names import STAGE_ORDER, StageName, parse_stage
from vixens_tui.options import Options, UsageError, env_of
from vixens_tui.sim.faults import API_FLAKY
from vixens_tui.sim.faults import NAMES as FAULT_NAMES
from vixens_tui.text.stderr import say

if TYPE_CHECKING:
    from vixens_tui.core.checkpoint.lock import EnvLock

FAULTS = FAULT_NAMES

EPILOG = """\
modes:
  vixens-tui                         interactive TUI on the environment (default: dev)
  vixens-tui --auto --yes [--json]   headless, for SSH and scripts (--yes confirms the destroy)
  vixens-tui --resume [--auto]       continue the last unfinished run where it stopped
                                     (--accept-profile-change: with a changed profile)
  vixens-tui --from STAGE            start a new run at STAGE; --only STAGE runs one stage
  vixens-tui --demo [--auto]         the same, against a simulated cluster and a real
                                     Terraform engine in a temporary workspace
  vixens-tui status [--json]         the environment's last run, stage by stage
  vixens-tui sim [--port N] ...      serve the simulated cluster alone (point kubectl at it)
  vixens-tui profile show|path       print the effective profile, or where it is read from
  vixens-tui profile check --checkout DIR   what differs between the profile and the repository

{stages}
  (preflight always runs first: it changes nothing)

{faults}

environment: --env NAME, else the --config profile's `name` (else its file name), else dev.
profile: --config FILE, else <user config dir>/profiles/<env>.toml
  ($VIXENS_TUI_CONFIG_DIR overrides the directory), else the built-in `dev` profile.
state: --state-dir DIR, else $VIXENS_TUI_STATE_DIR, else the user state dir.

exit codes:
  0 done   1 a stage failed (resumable)   2 usage, profile or input error
  3 needs a human (unknown failure in --auto, a fix that is never automatic,
    or a checklist item no probe can prove)   4 another run holds the lock
  130 interrupted (checkpoint saved)
""".format(
    # From the sources of truth, so that a new stage or fault is listed here without an edit.
    stages=textwrap.fill(
        "stages: " + ", ".join(s.value for s in STAGE_ORDER),
        92,
        subsequent_indent="  ",
        break_on_hyphens=False,
    ),
    faults=textwrap.fill(
        "faults (--demo, sim): "
        + ", ".join(f"{n}[=RATE]" if n == API_FLAKY else n for n in FAULT_NAMES),
        92,
        subsequent_indent="  ",
        break_on_hyphens=False,
    ),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 as well; we add the hint and keep the exit code of the contract.
        self.print_usage(sys.stderr)
        print(f"vixens-tui: {message} (see vixens-tui --help)", file=sys.stderr)
        raise SystemExit(2)


def _stage(text: str) -> StageName:
    try:
        return parse_stage(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 100000:
        raise argparse.ArgumentTypeError("must be > 0 and <= 100000")
    return value


def _faults(text: str) -> tuple[str, ...]:
    names = tuple(f.strip() for f in text.split(",") if f.strip())
    for name in names:
        base, _, rate = name.partition("=")
        if base not in FAULTS:
            raise argparse.ArgumentTypeError(f"unknown fault {base!r}; known: {', '.join(FAULTS)}")
        if rate:
            try:
                ok = 0 <= float(rate) <= 1
            except ValueError:
                ok = False
            if not ok or base != "api-flaky":
                raise argparse.ArgumentTypeError(
                    f"bad fault setting {name!r} (only api-flaky=RATE, 0..1)"
                )
    return names


def _common(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    # In sub-commands the defaults are suppressed so they do not overwrite the main parser's.
    d = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--env",
        metavar="NAME",
        default=d,
        help="environment (default: the --config profile's name, else dev)",
    )
    parser.add_argument(
        "--config", metavar="FILE", type=Path, default=d, help="profile file (TOML)"
    )
    parser.add_argument(
        "--state-dir", metavar="DIR", type=Path, default=d, help="checkpoint directory"
    )
    parser.add_argument(
        "--context",
        metavar="NAME",
        default=d,
        help="kubeconfig context (default: the profile's, else the file's current context)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vixens-tui",
        description="Rebuild a vixens Kubernetes cluster from zero, safely: destroy, re-create, "
        "repair the known breakages, apply the secrets, prove the cluster healthy.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vixens-tui {__version__}")
    _common(parser, sub=False)
    parser.add_argument("--auto", action="store_true", help="headless: no TUI, one line per event")
    parser.add_argument("--yes", action="store_true", help="confirm the destroy in --auto mode")
    parser.add_argument(
        "--json", action="store_true", help="with --auto: one JSON object per event"
    )
    parser.add_argument("--resume", action="store_true", help="continue the last unfinished run")
    parser.add_argument(
        "--accept-profile-change",
        action="store_true",
        help="with --resume --auto: go on although the profile changed since the run started "
        "(the stages it concerns are re-opened; the TUI asks instead)",
    )
    parser.add_argument(
        "--allow-no-etcd-snapshot",
        action="store_true",
        help="destroy even when etcd's snapshot cannot be taken (it is still tried; without "
        "this, a failed snapshot stops the run before anything is destroyed)",
    )
    parser.add_argument(
        "--from", dest="from_stage", metavar="STAGE", type=_stage, help="start a new run at STAGE"
    )
    parser.add_argument(
        "--only", metavar="STAGE", type=_stage, help="run only STAGE (after preflight)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="use the simulated cluster and a real Terraform engine"
    )
    parser.add_argument(
        "--faults",
        metavar="NAME,...",
        type=_faults,
        default=(),
        help="with --demo: faults to inject",
    )
    parser.add_argument(
        "--speed",
        metavar="X",
        type=_speed,
        default=None,
        help="with --demo: simulation speed factor",
    )

    subs = parser.add_subparsers(dest="command", metavar="{status,sim,profile}")
    status = subs.add_parser("status", help="the last run, stage by stage")
    _common(status, sub=True)
    status.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="as JSON")
    status.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="the demo's state"
    )

    sim = subs.add_parser("sim", help="serve the simulated cluster alone")
    _common(sim, sub=True)
    sim.add_argument("--port", type=int, default=0, help="API server port (default: any free port)")
    sim.add_argument(
        "--kubeconfig-out", metavar="FILE", type=Path, help="write a kubeconfig for it here"
    )
    sim.add_argument("--faults", metavar="NAME,...", type=_faults, default=argparse.SUPPRESS)
    sim.add_argument("--speed", metavar="X", type=_speed, default=argparse.SUPPRESS)
    sim.add_argument(
        "--scenario",
        choices=("built", "rebuild"),
        default="built",
        help="start built (default) or destroyed",
    )

    prof = subs.add_parser(
        "profile", help="show the effective profile, where it comes from, or its drift"
    )
    _common(prof, sub=True)
    prof.add_argument(
        "what",
        choices=("show", "path", "check"),
        help="show: the profile as JSON; path: its source; check: compare it with --checkout",
    )
    prof.add_argument(
        "--checkout",
        metavar="DIR",
        type=Path,
        help="with check: the GitOps repository's checkout (default: the profile's apps_from)",
    )
    return parser


def options_from(ns: argparse.Namespace) -> Options:
    opts = Options(
        env=env_of(ns.env, ns.config),
        config=ns.config,
        state_dir=ns.state_dir,
        auto=getattr(ns, "auto", False),
        yes=getattr(ns, "yes", False),
        json=getattr(ns, "json", False),
        resume=getattr(ns, "resume", False),
        accept_profile_change=getattr(ns, "accept_profile_change", False),
        allow_no_etcd_snapshot=getattr(ns, "allow_no_etcd_snapshot", False),
        from_stage=getattr(ns, "from_stage", None),
        only=getattr(ns, "only", None),
        demo=getattr(ns, "demo", False),
        faults=tuple(getattr(ns, "faults", ()) or ()),
        speed=getattr(ns, "speed", None) or 1.0,
        context=getattr(ns, "context", None),
        kubeconfig=(
            _kubeconfig_env(os.environ.get("KUBECONFIG", ""))
            if ns.command in (None, "profile")
            else None
        ),
    )
    if ns.command is None:
        _check_combination(opts, ns)
    return opts


def _kubeconfig_env(value: str) -> Path | None:
    """$KUBECONFIG, honoured as kubectl does for a single file."""
    paths = [p for p in value.split(os.pathsep) if p]
    if not paths:
        return None
    if len(paths) > 1:
        # kubectl merges a list; a rebuild must know the one file that names the cluster
        # (the wrong-cluster guard checks it, the destroy removes it).
        raise UsageError(
            f"KUBECONFIG lists {len(paths)} files ({value}); vixens-tui reads one: set it to "
            f"the cluster's kubeconfig, or unset it to use the profile's"
        )
    return Path(paths[0]).expanduser()


def _check_combination(opts: Options, ns: argparse.Namespace) -> None:
    if opts.from_stage is not None and opts.only is not None:
        raise UsageError("--from and --only cannot be used together")
    if opts.resume and (opts.from_stage is not None or opts.only is not None):
        raise UsageError("--resume continues the saved plan: it cannot take --from or --only")
    if opts.accept_profile_change and not (opts.resume and opts.auto):
        raise UsageError(
            "--accept-profile-change goes with --resume --auto (the TUI asks you instead)"
        )
    if opts.json and not opts.auto:
        raise UsageError("--json needs --auto (the TUI is not JSON)")
    if opts.yes and not opts.auto:
        raise UsageError(
            "--yes only applies to --auto; the TUI asks you to type the environment's name"
        )
    if (opts.faults or ns.speed is not None) and not opts.demo:
        raise UsageError("--faults and --speed need --demo")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        options = options_from(ns)
    except UsageError as exc:
        print(f"vixens-tui: {exc}", file=sys.stderr)
        return 2
    if options.demo and options.context and ns.command is None:
        # Not an error (the same command line works with and without --demo), but never silent.
        print(
            f"vixens-tui: --context {options.context} is ignored with --demo: the simulated "
            f"cluster has a kubeconfig of its own",
            file=sys.stderr,
        )
    if options.config is not None and not options.config.exists():
        print(f"vixens-tui: profile file {options.config} not found (--config)", file=sys.stderr)
        return 2
    # Everything a run writes (checkpoints, journal, logs, the demo's Terraform state and
    # kubeconfig) is private to its user: 0600 files, 0700 directories, children included.
    os.umask(0o077)
    try:
        return _dispatch(ns, options)
    except KeyboardInterrupt:
        print("vixens-tui: interrupted", file=sys.stderr)
        return 130


def _dispatch(ns: argparse.Namespace, options: Options) -> int:
    if ns.command == "status":
        from vixens_tui import status

        return status.run(options)
    if ns.command == "profile":
        from vixens_tui import profile_cmd

        return profile_cmd.run(options, ns.what, checkout=ns.checkout)
    if ns.command == "sim":
        from vixens_tui.sim_cmd import run as run_sim

        return run_sim(
            options, port=ns.port, kubeconfig_out=ns.kubeconfig_out, scenario=ns.scenario
        )
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    if not options.auto and not tty and not os.environ.get("VIXENS_TUI_FORCE_TUI"):
        print(
            "vixens-tui: no terminal here: use --auto for a headless run (see --help)",
            file=sys.stderr,
        )
        return 2
    # The lock first: before the profile is read, before pydantic, the kubernetes client or
    # Textual are imported, before a demo starts its cluster. A second run of the environment
    # is told so at once, having done nothing.
    from vixens_tui.run_lock import run_locked

    return run_locked(options, lambda lock: _front_end(options, lock), say)


def _front_end(options: Options, lock: EnvLock) -> int:
    """The run itself, its lock held: headless or the TUI (imported only now: heavy)."""
    if options.auto:
        from vixens_tui import headless

        return headless.run(options, lock)
    try:
        from vixens_tui.tui.launch import run as run_tui
    except ImportError as exc:
        say(f"the interactive TUI cannot start ({exc}); use --auto")
        return 2
    return run_tui(options, lock)
