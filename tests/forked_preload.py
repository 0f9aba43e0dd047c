"""What the forkserver of tests/forked_cli.py imports once, so that no forked run pays for it:
the product's CLI, front end and backends, the tests' backend hooks, and the kubernetes
client's models the actions validate bodies with (the client loads them lazily)."""

from kubernetes import client

import tests.cli_backends
import tests.recording_backends
import vixens_tui.backends.kube
import vixens_tui.backends.terraform
import vixens_tui.cli
import vixens_tui.headless
import vixens_tui.options
import vixens_tui.profile_cmd
import vixens_tui.run_lock
import vixens_tui.status
import vixens_tui.wiring

LOADED = (
    client.V1Secret,
    client.V1ConfigMap,
    client.V1Namespace,
    tests.cli_backends,
    tests.recording_backends,
    vixens_tui.backends.kube,
    vixens_tui.backends.terraform,
    vixens_tui.cli,
    vixens_tui.headless,
    vixens_tui.options,
    vixens_tui.profile_cmd,
    vixens_tui.run_lock,
    vixens_tui.status,
    vixens_tui.wiring,
)
