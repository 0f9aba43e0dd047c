"""`python -m vixens_tui.sim.hook ACTION [ARG]`: what the demo Terraform's provisioners run.

Contract (the demo's .tf files depend on it):

- Environment: `VIXENS_SIM_CONTROL` (the control server's URL, e.g. http://127.0.0.1:41234)
  and `VIXENS_SIM_TOKEN` (its bearer token). `SimCluster.hook_env()` gives both.
- Actions: `talos-config NODE`, `bootstrap`, `kubeconfig PATH`, `talosconfig PATH`,
  `cilium-install`, `argocd-install`, `cilium-uninstall`, `argocd-uninstall`, `node-reset NODE`,
  `cluster-destroy`, `remove PATH`. A relative PATH is relative to the working directory.
- The hook POSTs `{"action", "args"}` to `$VIXENS_SIM_CONTROL/hook`; the answer is
  `{"lines": [...], "sleep_s": S, "rc": N, "stderr": TEXT, "write"?: CONTENT, "remove"?: true}`.
  It writes CONTENT to PATH (mode 0600) or deletes PATH (a missing file is fine), prints the
  lines on stdout spread over S seconds (the phase's duration, already divided by the speed),
  prints TEXT on stderr, and exits with N: 0 done, 1 the action failed (a fault such as
  cilium-destroy-timeout, or the cluster is not in a state for it), 2 usage error.
- When the control server cannot be reached, it says so on stderr and exits 1.

Only the standard library is imported, and little of it: Terraform starts this once per
resource (some 40 times a demo run), so the request is plain HTTP/1.1 over a socket; urllib
(http.client, email) would double the hook's start-up. Another URL than http://HOST:PORT[/PATH]
goes through urllib, as it always did.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

USAGE = (
    "usage: python -m vixens_tui.sim.hook ACTION [ARG]\n"
    "actions: talos-config NODE | bootstrap | kubeconfig PATH | talosconfig PATH | cilium-install |"
    " argocd-install | cilium-uninstall | argocd-uninstall | node-reset NODE | cluster-destroy |"
    " remove PATH\n"
    "environment: VIXENS_SIM_CONTROL (control URL), VIXENS_SIM_TOKEN (its token)"
)
TIMEOUT_S = 30.0


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    path.chmod(0o600)


class _Unreachable(OSError):
    """The control server cannot be reached; says so as urllib's URLError did."""

    def __str__(self) -> str:
        return f"<urlopen error {self.args[0]}>"


def call(control: str, token: str, action: str, args: list[str]) -> dict[str, object]:
    body = json.dumps({"action": action, "args": args}).encode()
    url = control.rstrip("/") + "/hook"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    host, _, path = url.removeprefix("http://").partition("/")
    name, _, port = host.rpartition(":")
    if not url.startswith("http://") or not name or not port.isdigit():
        return _call_urllib(url, body, headers)
    try:
        conn = socket.create_connection((name.strip("[]"), int(port)), timeout=TIMEOUT_S)
    except OSError as exc:
        raise _Unreachable(exc) from None
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = [f"POST /{path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        head += [f"{key}: {value}" for key, value in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        reply = conn.makefile("rb")
        status = reply.readline().split(None, 2)
        if len(status) < 2 or not status[0].startswith(b"HTTP/") or not status[1].isdigit():
            raise ValueError(f"not an HTTP answer: {b' '.join(status)!r}")
        length = None
        while (line := reply.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            if key.strip().lower() == "content-length":
                length = int(value.strip())
        data = reply.read() if length is None else reply.read(length)
    code = int(status[1])
    if not 200 <= code < 300:
        detail = data.decode(errors="replace").strip()
        raise RuntimeError(f"control server answered {code}: {detail}")
    answer: dict[str, object] = json.loads(data)
    return answer


def _call_urllib(url: str, body: bytes, headers: dict[str, str]) -> dict[str, object]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the URL is the local control server
        url, data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            answer: dict[str, object] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace").strip()
        raise RuntimeError(f"control server answered {exc.code}: {detail}") from None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    action, args = argv[0], argv[1:]
    control = os.environ.get("VIXENS_SIM_CONTROL", "")
    token = os.environ.get("VIXENS_SIM_TOKEN", "")
    if not control:
        print(
            "vixens sim hook: VIXENS_SIM_CONTROL is not set (is the simulator running?)",
            file=sys.stderr,
        )
        return 2
    try:
        answer = call(control, token, action, args)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"vixens sim hook: cannot run {action} through {control}: {exc}", file=sys.stderr)
        return 1
    rc = int(str(answer.get("rc", 1)))
    if rc == 0 and args:
        target = Path(args[0])
        if isinstance(answer.get("write"), str):
            _write(target, str(answer["write"]))
        if answer.get("remove"):
            target.unlink(missing_ok=True)
    raw_lines = answer.get("lines")
    lines = [str(line) for line in raw_lines] if isinstance(raw_lines, list) else []
    sleep_s = max(0.0, float(str(answer.get("sleep_s", 0.0))))
    pause = sleep_s / max(1, len(lines))
    for line in lines:
        print(line, flush=True)
        time.sleep(pause)
    if not lines and sleep_s:
        time.sleep(sleep_s)
    stderr = str(answer.get("stderr") or "")
    if stderr:
        print(stderr, file=sys.stderr, flush=True)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
