from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from vixens_tui.core.names import StageName
from vixens_tui.core.profile import ProfileError, load_profile
from vixens_tui.core.profile.gitops import read_apps
from vixens_tui.core.profile.loader import builtin_text
from vixens_tui.core.profile.model import GitOpsSource

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vixens-repo-2025-11-15"


def test_builtin_dev_profile_is_the_procedure() -> None:
    p = load_profile("dev")
    assert p.name == "dev"
    assert p.terraform_dir == Path("/root/vixens/terraform/environments/dev")
    assert p.kubeconfig.name == "kubeconfig-dev" and p.talosconfig.name == "talosconfig-dev"
    assert [n.name for n in p.nodes] == ["obsy", "onyx", "opale"]
    assert p.kubernetes_version == "v1.34.0"
    assert str(p.api_endpoint) == "https://192.168.111.160:6443/"
    assert p.argocd.server == "192.168.208.71" and p.argocd.revision == "dev"
    assert len(p.apps) == 12
    assert {a.name for a in p.apps if a.accept_progressing} == {"argocd", "traefik"}
    assert p.validation.min_running_pods == 32
    assert p.secrets.gandi_credentials == Path("/root/vixens/.secrets/dev/gandi-credentials.yaml")
    assert p.secrets.synology_client_info == Path("/root/vixens/.secrets/dev/client-info.yml")
    assert [str(c.url) for c in p.http_checks] == [
        "http://192.168.208.71/",
        "http://whoami.dev.truxonline.com/",
        "http://traefik.dev.truxonline.com/dashboard/",
    ]
    assert p.http_checks[0].method == "HEAD"
    # The procedure's durations: destroy 5-10 min, apply 15-25, sync 2-5, validation 5-10.
    assert p.expected(StageName.DESTROY) == (300, 600)
    assert p.expected(StageName.APPLY) == (900, 1500)
    assert p.expected(StageName.ARGOCD_SYNC) == (120, 300)
    assert p.expected(StageName.VALIDATE) == (300, 600)
    assert all(p.timeout(s) > p.expected(s)[1] for s in StageName)
    assert [ph.name for ph in p.apply_phases] == [
        "Talos configuration",
        "Bootstrap",
        "Cilium CNI",
        "Argo CD",
    ]
    assert p.versions.cilium == "v1.18.3" and p.versions.argocd_chart == "v7.7.7"


def test_builtin_apps_equal_the_gitops_overlay() -> None:
    apps = read_apps(GitOpsSource(checkout=FIXTURE, overlay="argocd/overlays/dev"), "dev")
    assert apps == load_profile("dev").apps


def _csi_mounts() -> set[tuple[str, str, str, str]]:
    """(kind, namespace, name, key) of what each CSI plugin container of the synology-csi app
    reads its client configuration from, as its manifests say."""
    app = yaml.safe_load((FIXTURE / "argocd/overlays/dev/apps/synology-csi.yaml").read_text())
    source = FIXTURE / app["spec"]["source"]["path"]
    overlay = yaml.safe_load((source / "kustomization.yaml").read_text())
    base = (source / overlay["resources"][0]).resolve()
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text())
    namespace = overlay.get("namespace") or kustomization["namespace"]
    found = set()
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((base / resource).read_text()):
            if not doc or doc["kind"] not in ("StatefulSet", "DaemonSet"):
                continue
            pod = doc["spec"]["template"]["spec"]
            volumes = {v["name"]: v for v in pod["volumes"]}
            for container in pod["containers"]:
                args = container.get("args", [])
                if "--client-info" not in args:
                    continue
                path = PurePosixPath(args[args.index("--client-info") + 1])
                mount = next(
                    m for m in container["volumeMounts"] if m["mountPath"] == str(path.parent)
                )
                volume = volumes[mount["name"]]
                if "secret" in volume:
                    found.add(("Secret", namespace, volume["secret"]["secretName"], path.name))
                else:
                    found.add(("ConfigMap", namespace, volume["configMap"]["name"], path.name))
    return found


def test_builtin_synology_object_is_what_the_csi_pods_mount_not_the_runbooks_configmap() -> None:
    # The runbook (étape 5) creates ConfigMap synology-client-info; the controller and node
    # manifests mount Secret client-info-secret at /etc/synology and read client-info.yml.
    mounts = _csi_mounts()
    assert mounts == {("Secret", "synology-csi", "client-info-secret", "client-info.yml")}
    s = load_profile("dev").secrets
    assert {(s.synology.kind, s.synology.namespace, s.synology.name, s.synology.key)} == mounts
    assert (s.gandi.kind, s.gandi.namespace, s.gandi.name, s.gandi.key) == (
        "Secret",
        "cert-manager",
        "gandi-credentials",
        "api-token",
    )


OLD_SECRETS = """gandi_secret_name = "gandi-token"
gandi_namespace = "certs"
gandi_token_key = "token"
synology_namespace = "csi"
"""


def test_a_profile_with_the_older_secret_fields_still_loads(tmp_path: Path) -> None:
    text = builtin_with()
    start = text.index("[secrets.gandi]")
    end = text.index("# Section 6.4")
    text = text[:start] + text[end:]
    text = text.replace(
        'synology_client_info = "/root/vixens/.secrets/dev/client-info.yml"\n',
        'synology_client_info = "/root/vixens/.secrets/dev/client-info.yml"\n' + OLD_SECRETS,
    )
    s = load_profile("dev", write(tmp_path, text)).secrets
    assert s.gandi.model_dump() == {
        "kind": "Secret",
        "name": "gandi-token",
        "namespace": "certs",
        "key": "token",
    }
    # `synology_*` always described a ConfigMap (the runbook's, defaults included).
    assert s.synology.model_dump() == {
        "kind": "ConfigMap",
        "name": "synology-client-info",
        "namespace": "csi",
        "key": "client-info.yml",
    }


def test_a_profile_without_secret_objects_applies_what_the_workloads_mount(
    tmp_path: Path,
) -> None:
    text = builtin_with()
    text = text[: text.index("[secrets.gandi]")] + text[text.index("# Section 6.4") :]
    s = load_profile("dev", write(tmp_path, text)).secrets
    assert s == load_profile("dev").secrets


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def builtin_with(
    replace: dict[str, str] | None = None, drop: tuple[str, ...] = (), extra: str = ""
) -> str:
    text = builtin_text("dev") or ""
    pending = dict(replace or {})
    for key in ("nodes", "apps"):  # multi-line arrays: replace them whole
        if key in pending:
            text = re.sub(
                rf"^{key} = \[.*?^\]$",
                f"{key} = {pending.pop(key)}",
                text,
                count=1,
                flags=re.S | re.M,
            )
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in drop:
            continue
        if key in pending:  # the first (top-level) occurrence only
            line = f"{key} = {pending.pop(key)}"
        lines.append(line)
    return extra + "\n".join(lines)


def test_profile_may_read_its_apps_from_a_gitops_checkout(tmp_path: Path) -> None:
    text = builtin_with()
    data = tomllib.loads(text)
    start = text.index("apps = [")
    end = text.index("]\n", start) + 2
    text = text[:start] + text[end:]
    text = text.replace(
        "[versions]",
        f'[apps_from]\ncheckout = "{FIXTURE}"\noverlay = "argocd/overlays/dev"\n\n[versions]',
    )
    path = write(tmp_path, text)
    profile = load_profile("dev", path)
    assert [a.name for a in profile.apps] == [a["name"] for a in data["apps"]]
    assert profile.apps_from is None


def test_relative_paths_are_relative_to_the_profile_file(tmp_path: Path) -> None:
    path = write(tmp_path, builtin_with({"terraform_dir": '"tf"', "kubeconfig": '"tf/kc"'}))
    profile = load_profile("dev", path)
    assert profile.terraform_dir == tmp_path / "tf"
    assert profile.kubeconfig == tmp_path / "tf" / "kc"


def test_env_selects_a_profile_from_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIXENS_TUI_CONFIG_DIR", str(tmp_path))
    (tmp_path / "profiles").mkdir()
    write(tmp_path / "profiles", builtin_with({"name": '"prod"'}), "prod.toml")
    assert load_profile("prod").name == "prod"
    with pytest.raises(ProfileError, match="no profile for environment 'staging'"):
        load_profile("staging")


BAD = [
    ("not-toml", "name = \n", "not valid TOML", None),
    ("unknown-field", builtin_with(extra='colour = "blue"\n'), "unknown field", "colour"),
    ("missing-endpoint", builtin_with(drop=("api_endpoint",)), "Field required", "api_endpoint"),
    ("bad-endpoint", builtin_with({"api_endpoint": '"not a url"'}), "URL", "api_endpoint"),
    (
        "bad-version",
        builtin_with({"kubernetes_version": '"1.34"'}),
        "v1.34.0",
        "kubernetes_version",
    ),
    ("no-nodes", builtin_with({"nodes": "[]"}), "at least 1", "nodes"),
    ("bad-node-name", builtin_with({"nodes": '[{ name = "Obsy_1" }]'}), "pattern", "nodes[0].name"),
    (
        "dup-nodes",
        builtin_with({"nodes": '[{ name = "a" }, { name = "a" }]'}),
        "duplicate node",
        "nodes",
    ),
    (
        "negative-pods",
        builtin_with(extra="").replace("min_running_pods = 32", "min_running_pods = -1"),
        "greater than or equal",
        "validation.min_running_pods",
    ),
    (
        "bad-timeout-stage",
        builtin_with().replace("validate = 1200", "validate = 1200\nteardown = 5"),
        "unknown stage",
        "timeouts_s",
    ),
    (
        "zero-timeout",
        builtin_with().replace("apply = 2700", "apply = 0"),
        "greater than 0",
        "timeouts_s.apply",
    ),
    ("no-apps", builtin_with({"apps": "[]"}), "no expected apps", None),
    (
        "bad-http-url",
        builtin_with().replace('url = "http://whoami.dev.truxonline.com"', 'url = "whoami"'),
        "URL",
        "http_checks[1].url",
    ),
    ("wrong-type", builtin_with({"kubeconfig": "42"}), "path", "kubeconfig"),
    (
        "secret-kind",
        builtin_with().replace(
            'kind = "Secret"\nname = "client-info-secret"',
            'kind = "Volume"\nname = "client-info-secret"',
        ),
        "'Secret' or 'ConfigMap'",
        "secrets.synology.kind",
    ),
    (
        "secret-name",
        builtin_with().replace('name = "client-info-secret"', 'name = "Client_Info"'),
        "RFC 1123 subdomain",
        "secrets.synology.name",
    ),
    (
        "secret-key",
        builtin_with().replace('key = "client-info.yml"', 'key = "client info.yml"'),
        "valid config key",
        "secrets.synology.key",
    ),
    (
        "gandi-configmap",
        builtin_with().replace(
            'kind = "Secret"\nname = "gandi-credentials"',
            'kind = "ConfigMap"\nname = "gandi-credentials"',
        ),
        "gandi.kind must be Secret",
        "secrets",
    ),
    (
        "old-and-new",
        builtin_with().replace("[secrets.gandi]", 'synology_configmap = "x"\n\n[secrets.gandi]'),
        "keep [secrets.synology] (kind, name, namespace, key) alone",
        "secrets",
    ),
    (
        "secret-typo",
        builtin_with().replace(
            'key = "client-info.yml"', 'key = "client-info.yml"\nkey_name = "x"'
        ),
        "unknown field",
        "secrets.synology.key_name",
    ),
]


@pytest.mark.parametrize(("case", "text", "problem", "field"), BAD, ids=[b[0] for b in BAD])
def test_invalid_profile_names_file_field_and_problem(
    tmp_path: Path, case: str, text: str, problem: str, field: str | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as err:
        load_profile("dev", path)
    message = str(err.value)
    assert str(path) in message
    assert problem.lower() in message.lower(), message
    if field:
        assert f"`{field}" in message, message


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="file not found"):
        load_profile("dev", tmp_path / "nope.toml")


def test_env_and_profile_name_must_agree(tmp_path: Path) -> None:
    path = write(tmp_path, builtin_with({"name": '"prod"'}))
    with pytest.raises(ProfileError, match="is 'prod' but the environment is 'staging'"):
        load_profile("staging", path)


def test_gitops_errors_name_the_manifest(tmp_path: Path) -> None:
    overlay = tmp_path / "argocd" / "overlays" / "dev"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("resources:\n  - apps/a.yaml\n")
    with pytest.raises(Exception, match="apps/a.yaml"):
        read_apps(GitOpsSource(checkout=tmp_path), "dev")
