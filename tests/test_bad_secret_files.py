"""Each bad secret file stops `preflight` with a clear message and exit 2, before any destroy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cliutil import env_for, profile_file, run_cli
from vixens_tui.core.checkpoint.model import StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName

GANDI = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gandi-credentials\n  namespace: cert-manager\n"
    'type: Opaque\nstringData:\n  api-token: "tok-0123456789"\n'
)
SYNO = '---\nclients:\n  - host: "192.168.111.69"\n    port: 5000\n    https: false\n    username: "talos-csi"\n    password: "pw-0123456789"\n'

CASES = [
    (
        "gandi",
        "placeholder",
        GANDI.replace("tok-0123456789", "YOUR_GANDI_API_TOKEN"),
        "placeholder YOUR_GANDI_API_TOKEN",
    ),
    ("gandi", "empty-file", "", "empty file"),
    ("gandi", "not-yaml", "apiVersion: [v1\n", "not valid YAML"),
    ("gandi", "wrong-kind", GANDI.replace("kind: Secret", "kind: ConfigMap"), "kind Secret"),
    (
        "gandi",
        "wrong-namespace",
        GANDI.replace("namespace: cert-manager", "namespace: default"),
        "metadata.namespace is 'default'",
    ),
    (
        "gandi",
        "wrong-name",
        GANDI.replace("name: gandi-credentials", "name: gandi"),
        "metadata.name is 'gandi'",
    ),
    ("gandi", "missing-key", GANDI.replace("api-token", "apitoken"), "no 'api-token' key"),
    ("gandi", "empty-token", GANDI.replace('"tok-0123456789"', '""'), "api-token is empty"),
    (
        "gandi",
        "bad-base64",
        GANDI.replace('stringData:\n  api-token: "tok-0123456789"', "data:\n  api-token: '@@@'"),
        "not valid base64",
    ),
    ("gandi", "missing-file", None, "file not found"),
    (
        "synology",
        "placeholder",
        SYNO.replace("pw-0123456789", "YOUR_SYNOLOGY_PASSWORD"),
        "placeholder YOUR_SYNOLOGY_PASSWORD",
    ),
    (
        "synology",
        "no-password",
        SYNO.replace('    password: "pw-0123456789"\n', ""),
        "password: required",
    ),
    ("synology", "no-clients", "clients: []\n", "clients"),
    ("synology", "bad-port", SYNO.replace("5000", "70000"), "port"),
    ("synology", "directory", "DIR", "is a directory"),
]


@pytest.mark.parametrize(
    ("which", "case", "text", "problem"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_bad_secret_file_stops_preflight(
    tmp_path: Path, which: str, case: str, text: str | None, problem: str
) -> None:
    profile = profile_file(tmp_path)
    target = (
        tmp_path / "secrets" / ("gandi-credentials.yaml" if which == "gandi" else "client-info.yml")
    )
    if text is None:
        target.unlink()
    elif text == "DIR":
        target.unlink()
        target.mkdir()
    else:
        target.write_text(text)
    state_dir = tmp_path / "state"
    result = run_cli(["--auto", "--yes", "--config", str(profile)], env_for(state_dir, {}))
    assert result.returncode == 2, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert f"secret file {target}" in out and problem in out, out[-1500:]
    for secret in ("tok-0123456789", "pw-0123456789"):
        assert secret not in out
    cp = EnvState(state_dir, "dev").load()
    assert cp is not None
    assert cp.stage(StageName.PREFLIGHT).status is StageStatus.FAILED
    assert cp.stage(StageName.DESTROY).attempts == 0  # nothing was destroyed
