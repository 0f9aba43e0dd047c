"""Hostile input files (the profile, the GitOps overlay, the two secret files, the kubeconfig)
through the real CLI. Each is refused with exit 2 and a message naming the file, no traceback,
within the deadline, the file left as it was, and nothing destroyed: the Terraform backend
records every call it gets, and none is a destroy. Secret files and the kubeconfig fail
preflight as input errors (never "unknown", which a person may be offered to skip)."""

from __future__ import annotations

import os
import random
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from tests.cliutil import env_for, profile_file
from tests.hostile import (
    Outcome,
    assert_no_traceback,
    assert_refused,
    calls_of,
    environ_for_recording,
    fifo,
    run,
    symlink,
)
from tests.test_bad_input import ENDPOINT, World, kubeconfig, world  # noqa: F401 (fixture)
from vixens_tui.core.checkpoint.store import EnvState

DEEP = 3000
GANDI = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gandi-credentials\n"
    "  namespace: cert-manager\ntype: Opaque\nstringData:\n  api-token: tok-0123456789\n"
)
SYNO = (
    "clients:\n  - host: 192.168.111.69\n    port: 5000\n    https: false\n"
    "    username: talos-csi\n    password: pw-0123456789\n"
)
LAUGHS = 'l0: &l0 ["lol"]\n' + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
"""The "billion laughs": nine aliases of nine aliases... 9^8 strings once expanded."""


def nested_block(depth: int) -> str:
    """Block style, nested `depth` deep: `- - - ... 1` (compact sequences, one line)."""
    return "- " * depth + "1\n"


def nested_flow(depth: int) -> str:
    return "[" * depth + "]" * depth


def snapshot(path: Path) -> tuple[object, ...]:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return ("symlink", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        # A large file (the 8 GiB sparse one) is not read: 16 GiB read and held twice, some
        # 90 s of CPU and more memory than two suites at once have. Its size, blocks and
        # modification time say a write happened as surely.
        if info.st_size > 1 << 20:
            return ("file", info.st_ino, info.st_size, info.st_blocks, info.st_mtime_ns)
        return ("file", path.read_bytes())
    return ("special", stat.S_IFMT(info.st_mode))


def huge_sparse(path: Path) -> None:
    path.unlink(missing_ok=True)
    with path.open("wb") as handle:
        handle.truncate(8 << 30)


def directory(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


# -- secret files: preflight refuses them, as input errors -------------------------------------

Which = Literal["gandi", "synology"]
Setup = Callable[[Path], None]


@dataclass(frozen=True)
class SecretCase:
    id: str
    which: Which
    setup: Setup
    says: tuple[str, ...]


def text(content: str) -> Setup:
    return lambda path: path.write_text(content)


def gandi(old: str, new: str) -> Setup:
    assert old in GANDI, old
    return text(GANDI.replace(old, new, 1))


def gandi_plus(extra: str) -> Setup:
    return text(GANDI + extra)


def syno(old: str, new: str) -> Setup:
    assert old in SYNO, old
    return text(SYNO.replace(old, new, 1))


SECRET_CASES = [
    SecretCase("gandi-nested-3000-deep", "gandi", text(nested_flow(DEEP)), ("nested",)),
    SecretCase("gandi-block-nested-3000-deep", "gandi", text(nested_block(DEEP)), ("nested",)),
    SecretCase("gandi-fifo", "gandi", fifo, ("FIFO",)),
    SecretCase(
        "gandi-symlink-to-dev-zero", "gandi", lambda p: symlink(p, "/dev/zero"), ("device",)
    ),
    SecretCase("gandi-directory", "gandi", directory, ("directory",)),
    SecretCase("gandi-huge-sparse-file", "gandi", huge_sparse, ("larger than",)),
    SecretCase("gandi-not-utf8", "gandi", lambda p: p.write_bytes(b"\xff\xfe" * 50), ("UTF-8",)),
    SecretCase(
        "gandi-billion-laughs-in-data",
        "gandi",
        text(GANDI + LAUGHS + "data:\n  big: *l9\n"),
        ("aliases",),
    ),
    SecretCase(
        "gandi-impossible-date",
        "gandi",
        gandi_plus("  when: 2021-13-45\n"),
        ("not valid YAML",),
    ),
    SecretCase(
        "gandi-invalid-data-key-name",
        "gandi",
        gandi_plus("data:\n  bad key!: dG9rZW4=\n"),
        ("data['bad key!']", "valid config key"),
    ),
    SecretCase(
        "gandi-invalid-stringdata-key-name",
        "gandi",
        gandi_plus("  api/token: tok-0123456789\n"),
        ("stringData['api/token']", "valid config key"),
    ),
    SecretCase(
        "gandi-key-name-longer-than-253",
        "gandi",
        gandi_plus(f"  {'k' * 254}: value\n"),
        ("no more than 253 characters",),
    ),
    SecretCase(
        "gandi-key-name-starting-with-dotdot",
        "gandi",
        gandi_plus("  ..token: value\n"),
        ("must not start with '..'",),
    ),
    SecretCase(
        "gandi-stringdata-value-not-a-string",
        "gandi",
        gandi("api-token: tok-0123456789", "api-token: 123456789"),
        ("stringData['api-token']", "string"),
    ),
    SecretCase(
        "gandi-data-value-not-a-string",
        "gandi",
        gandi_plus("data:\n  other: [1, 2]\n"),
        ("data['other']",),
    ),
    SecretCase(
        "gandi-data-over-1mib",
        "gandi",
        gandi_plus(f"  big: {'x' * (1 << 20)}\n"),
        ("1048576",),
    ),
    SecretCase(
        "gandi-wrong-kind", "gandi", gandi("kind: Secret", "kind: ConfigMap"), ("kind Secret",)
    ),
    SecretCase(
        "gandi-wrong-apiversion", "gandi", gandi("apiVersion: v1", "apiVersion: v2"), ("v1",)
    ),
    SecretCase(
        "gandi-invalid-metadata-name",
        "gandi",
        gandi("name: gandi-credentials", "name: Gandi_Credentials"),
        ("metadata.name", "RFC 1123"),
    ),
    SecretCase(
        "gandi-invalid-namespace",
        "gandi",
        gandi("namespace: cert-manager", "namespace: cert.manager"),
        ("metadata.namespace", "RFC 1123"),
    ),
    SecretCase(
        "gandi-invalid-label-value",
        "gandi",
        gandi("  namespace: cert-manager\n", "  namespace: cert-manager\n  labels: {a: 'b c'}\n"),
        ("metadata.labels",),
    ),
    SecretCase(
        "gandi-invalid-annotation-key",
        "gandi",
        gandi("  namespace: cert-manager\n", "  namespace: cert-manager\n  annotations: {-x: y}\n"),
        ("metadata.annotations",),
    ),
    SecretCase(
        "gandi-unknown-field",
        "gandi",
        gandi_plus("spec: {}\n"),
        ("unknown field", "spec"),
    ),
    SecretCase(
        "gandi-unknown-metadata-field",
        "gandi",
        gandi("  name: gandi-credentials\n", "  name: gandi-credentials\n  nmae: typo\n"),
        ("unknown field", "metadata.nmae"),
    ),
    SecretCase(
        "gandi-immutable-not-a-boolean",
        "gandi",
        gandi_plus("immutable: 'yes'\n"),
        ("immutable",),
    ),
    SecretCase("gandi-type-tls", "gandi", gandi("type: Opaque", "type: kubernetes.io/tls"), ()),
    SecretCase("synology-nested-3000-deep", "synology", text(nested_block(DEEP)), ("nested",)),
    SecretCase("synology-fifo", "synology", fifo, ("FIFO",)),
    SecretCase(
        "synology-symlink-to-dev-zero", "synology", lambda p: symlink(p, "/dev/zero"), ("device",)
    ),
    SecretCase(
        "synology-port-a-quoted-string",
        "synology",
        syno("port: 5000", 'port: "5000"'),
        ("clients.0.port", "integer"),
    ),
    SecretCase(
        "synology-port-a-boolean",
        "synology",
        syno("port: 5000", "port: true"),
        ("clients.0.port", "integer"),
    ),
    SecretCase(
        "synology-https-a-quoted-string",
        "synology",
        syno("https: false", 'https: "false"'),
        ("clients.0.https", "boolean"),
    ),
    SecretCase(
        "synology-host-missing",
        "synology",
        syno("  - host: 192.168.111.69\n    port", "  - port"),
        ("clients.0.host",),
    ),
    SecretCase(
        "synology-username-a-list",
        "synology",
        syno("username: talos-csi", "username: [talos, csi]"),
        ("clients.0.username",),
    ),
    SecretCase("synology-clients-a-mapping", "synology", text("clients: {a: 1}\n"), ("clients",)),
    SecretCase(
        "synology-impossible-date",
        "synology",
        text(SYNO + "updated: 2021-13-45\n"),
        ("not valid YAML",),
    ),
]


@pytest.mark.parametrize("case", SECRET_CASES, ids=[c.id for c in SECRET_CASES])
def test_hostile_secret_file_fails_preflight(tmp_path: Path, case: SecretCase) -> None:
    profile = profile_file(tmp_path)
    name = "gandi-credentials.yaml" if case.which == "gandi" else "client-info.yml"
    target = tmp_path / "secrets" / name
    case.setup(target)
    before = snapshot(target)
    calls = tmp_path / "calls"
    state = tmp_path / "state"
    environ = environ_for_recording(env_for(state, {}), calls)
    outcome = run(["--auto", "--yes", "--config", str(profile)], environ)
    line = assert_refused(outcome, f"secret file {target}", *case.says)
    assert "preflight failed" in line, line
    for secret in ("tok-0123456789", "pw-0123456789"):
        assert secret not in outcome.stdout + outcome.stderr
    assert snapshot(target) == before
    assert "terraform destroy" not in calls_of(calls)
    cp = EnvState(state, "dev").load()
    assert cp is not None
    preflight = cp.stages[0]
    assert (preflight.name.value, preflight.status.value, preflight.failure) == (
        "preflight",
        "failed",
        "input",  # an input error: stop, never an "unknown" a person may be offered to skip
    )
    assert cp.destroy_launched_at is None and cp.stages[1].attempts == 0


def test_numeric_synology_password_is_read_as_the_driver_reads_it(tmp_path: Path) -> None:
    """The CSI driver (Go, yaml.v2) reads any scalar into a string field: so do we."""
    profile = profile_file(tmp_path)
    (tmp_path / "secrets" / "client-info.yml").write_text(
        SYNO.replace("password: pw-0123456789", "password: 12345678")
    )
    calls = tmp_path / "calls"
    outcome = run(
        ["--auto", "--yes", "--only", "preflight", "--config", str(profile)],
        environ_for_recording(env_for(tmp_path / "state", {}), calls),
    )
    assert_no_traceback(outcome)
    assert outcome.code == 0, outcome.describe()


# -- the profile and the GitOps overlay: refused before anything runs --------------------------


@dataclass(frozen=True)
class ProfileCase:
    id: str
    setup: Callable[[Path], Path]
    """Given the working directory, returns the path to pass as --config."""
    says: tuple[str, ...]


def profile_text(change: Callable[[str], str]) -> Callable[[Path], Path]:
    def setup(root: Path) -> Path:
        path = profile_file(root)
        path.write_text(change(path.read_text()))
        return path

    return setup


def profile_replaced(action: Callable[[Path], None]) -> Callable[[Path], Path]:
    def setup(root: Path) -> Path:
        path = profile_file(root)
        action(path)
        return path

    return setup


def appended(extra: str) -> Callable[[Path], Path]:
    # Top-level keys go before the first table: put them right after `name`.
    return profile_text(lambda t: t.replace('name = "dev"\n', f'name = "dev"\n{extra}\n', 1))


def with_overlay(write: Callable[[Path], None]) -> Callable[[Path], Path]:
    """A profile whose apps come from a GitOps overlay that `write` fills in."""

    def setup(root: Path) -> Path:
        overlay = root / "gitops" / "argocd" / "overlays" / "dev"
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text("resources:\n  - whoami.yaml\n")
        (overlay / "whoami.yaml").write_text(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: whoami\n"
            "spec:\n  destination:\n    namespace: whoami\n"
        )
        write(overlay)
        path = profile_file(root)
        content = path.read_text()
        start = content.index("apps = [")
        end = content.index("]\n", start) + 2
        content = content[:start] + content[end:]
        path.write_text(content + f'\n[apps_from]\ncheckout = "{root / "gitops"}"\n')
        return path

    return setup


def in_overlay(name: str, action: Callable[[Path], None]) -> Callable[[Path], Path]:
    return with_overlay(lambda overlay: action(overlay / name))


PROFILE_CASES = [
    ProfileCase("profile-deep-array-3000", appended(f"x = {nested_flow(DEEP)}"), ("nested",)),
    ProfileCase(
        "profile-deep-inline-table-3000",
        appended("x = " + "{a = " * DEEP + "1" + "}" * DEEP),
        ("nested",),
    ),
    ProfileCase(
        "profile-deep-dotted-key-3000", appended(".".join(["a"] * DEEP) + " = 1"), ("nested",)
    ),
    ProfileCase("profile-fifo", profile_replaced(fifo), ("FIFO",)),
    ProfileCase("profile-dev-zero", lambda root: Path("/dev/zero"), ("device",)),
    ProfileCase(
        "profile-symlink-to-dev-zero",
        profile_replaced(lambda p: symlink(p, "/dev/zero")),
        ("device",),
    ),
    ProfileCase(
        "profile-huge-2mib-of-comments",
        profile_text(lambda t: t + ("# " + "x" * 1000 + "\n") * 2100),
        ("larger than",),
    ),
    ProfileCase("profile-directory", profile_replaced(directory), ("directory",)),
    ProfileCase(
        "profile-not-utf8", profile_replaced(lambda p: p.write_bytes(b"name = \xff\n")), ("UTF-8",)
    ),
    ProfileCase(
        "gitops-kustomization-nested-3000",
        in_overlay("kustomization.yaml", lambda p: p.write_text(nested_block(DEEP))),
        ("kustomization.yaml", "nested"),
    ),
    ProfileCase("gitops-kustomization-fifo", in_overlay("kustomization.yaml", fifo), ("FIFO",)),
    ProfileCase(
        "gitops-kustomization-directory",
        in_overlay("kustomization.yaml", directory),
        ("directory",),
    ),
    ProfileCase(
        "gitops-app-manifest-symlink-to-dev-zero",
        in_overlay("whoami.yaml", lambda p: symlink(p, "/dev/zero")),
        ("whoami.yaml", "device"),
    ),
    ProfileCase(
        "gitops-app-manifest-impossible-date",
        in_overlay("whoami.yaml", lambda p: p.write_text(p.read_text() + "  when: 2021-13-45\n")),
        ("whoami.yaml", "not valid YAML"),
    ),
    ProfileCase(
        "gitops-app-manifest-billion-laughs",
        in_overlay("whoami.yaml", lambda p: p.write_text(p.read_text() + LAUGHS)),
        ("whoami.yaml", "aliases"),
    ),
]


def assert_profile_refused(outcome: Outcome, says: tuple[str, ...]) -> None:
    """Exit 2 and the profile error: its first line, then one `  - ` line per problem."""
    assert_no_traceback(outcome)
    assert outcome.code == 2, outcome.describe()
    first, *problems = outcome.messages()
    assert first.startswith("vixens-tui: "), outcome.describe()
    assert problems and all(p.startswith("  - ") for p in problems), outcome.describe()
    for fragment in says:
        assert fragment in outcome.stderr, f"{fragment!r} not in {outcome.stderr!r}"


@pytest.mark.parametrize("case", PROFILE_CASES, ids=[c.id for c in PROFILE_CASES])
def test_hostile_profile_is_refused_before_anything_runs(tmp_path: Path, case: ProfileCase) -> None:
    config = case.setup(tmp_path)
    before = snapshot(config)
    calls = tmp_path / "calls"
    state = tmp_path / "state"
    environ = environ_for_recording(env_for(state, {}), calls)
    for args in (["--auto", "--yes", "--config", str(config)], ["profile", "show"]):
        if args[0] == "profile":
            args += ["--config", str(config)]
        outcome = run(args, environ)
        assert_profile_refused(outcome, case.says)
        assert snapshot(config) == before
    assert calls_of(calls) == []
    assert EnvState(state, "dev").load(set_aside=False) is None


# -- the kubeconfig, read by the real kubeconfig reader -----------------------------------------


def dev_zero(path: Path) -> None:
    symlink(path, "/dev/zero")


KUBECONFIG_CASES = [
    ("kubeconfig-fifo", fifo, ("FIFO",)),
    ("kubeconfig-symlink-to-dev-zero", dev_zero, ("device",)),
    ("kubeconfig-directory", directory, ("directory",)),
    ("kubeconfig-nested-3000", lambda p: p.write_text(nested_block(DEEP)), ("nested",)),
    ("kubeconfig-billion-laughs", lambda p: p.write_text(LAUGHS), ("aliases",)),
    (
        "kubeconfig-binary-garbage",
        lambda p: p.write_bytes(random.Random(2).randbytes(3000)),
        ("UTF-8",),
    ),
]


@pytest.mark.parametrize(
    ("setup", "says"), [c[1:] for c in KUBECONFIG_CASES], ids=[c[0] for c in KUBECONFIG_CASES]
)
def test_hostile_kubeconfig_fails_preflight(
    world: World,  # noqa: F811 (the fixture of test_bad_input)
    setup: Callable[[Path], None],
    says: tuple[str, ...],
) -> None:
    setup(world.kubeconfig)
    before = snapshot(world.kubeconfig)
    environ = {**env_for(world.state), "TF_CLI_CONFIG_FILE": os.environ["TF_CLI_CONFIG_FILE"]}
    outcome = run(["--auto", "--yes", "--config", str(world.profile)], environ)
    line = assert_refused(outcome, str(world.kubeconfig), *says)
    assert "preflight failed" in line
    assert snapshot(world.kubeconfig) == before
    cp = world.env_state().load()
    assert cp is not None and cp.stages[0].failure == "input"
    assert cp.destroy_launched_at is None and cp.stages[1].attempts == 0


def test_kubeconfig_symlinked_to_a_regular_file_is_read(world: World) -> None:  # noqa: F811
    """The user's kubeconfig is often a symlink: only a target that is no file is refused."""
    real = world.root / "real-kubeconfig"
    real.write_text(kubeconfig(ENDPOINT))
    symlink(world.kubeconfig, real)
    environ = {**env_for(world.state), "TF_CLI_CONFIG_FILE": os.environ["TF_CLI_CONFIG_FILE"]}
    outcome = run(
        ["--auto", "--yes", "--only", "preflight", "--config", str(world.profile)], environ
    )
    assert_no_traceback(outcome)
    assert outcome.code == 0, outcome.describe()
    assert "kubeconfig points at" in outcome.stdout
