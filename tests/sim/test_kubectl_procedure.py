"""Every kubectl command line of the procedure, run by the real kubectl 1.37 against the
`built` cluster, gives what a real cluster gives (cluster-rebuild-procedure.fr.md, steps 2-6)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

from tests.sim.helpers import Kubectl, MakeSim, app_state, rows, wait_for
from vixens_tui.core.profile import Profile
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

ARGOCD = "argocd"
REPO_SERVER = "app.kubernetes.io/name=argocd-repo-server"
SYNC_PATCH = '{"operation":{"initiatedBy":{"username":"admin"},"sync":{"revision":"dev"}}}'


# -- read-only commands, on the shared cluster ----------------------------------------------


def test_get_nodes_shows_the_profile_nodes_ready(kubectl: Kubectl, dev_profile: Profile) -> None:
    table = rows(kubectl("get", "nodes").stdout)
    assert table[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    by_name = {r[0]: r for r in table[1:]}
    assert sorted(by_name) == sorted(n.name for n in dev_profile.nodes)
    for name, row in by_name.items():
        assert row[1:3] == ["Ready", "control-plane"], name
        assert row[4] == "v1.34.0"
        assert row[3].endswith("m")  # rebuilt about 45 minutes ago


def test_get_nodes_wide_shows_the_node_ips(kubectl: Kubectl, dev_profile: Profile) -> None:
    output = kubectl("get", "nodes", "-o", "wide").stdout
    for node in dev_profile.nodes:
        assert node.ip in output
    assert "Talos (v1.11.5)" in output


def test_get_pods_all_namespaces(kubectl: Kubectl) -> None:
    table = rows(kubectl("get", "pods", "-A").stdout)
    assert table[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    pods = table[1:]
    namespaces = {r[0] for r in pods}
    assert {
        "kube-system",
        "argocd",
        "cert-manager",
        "traefik",
        "whoami",
        "synology-csi",
    } <= namespaces
    assert all(r[3] == "Running" for r in pods)
    cilium = [
        r
        for r in pods
        if r[1].startswith("cilium-") and not r[1].startswith(("cilium-envoy", "cilium-operator"))
    ]
    assert len(cilium) == 3 and all(r[2] == "1/1" for r in cilium)
    names = {r[1] for r in pods}
    for node in ("obsy", "onyx", "opale"):
        assert {
            f"kube-apiserver-{node}",
            f"kube-controller-manager-{node}",
            f"kube-scheduler-{node}",
        } <= names
    assert any(n.startswith("cert-manager-webhook-gandi-") for n in names)


def test_running_pod_count_pipeline(kubectl: Kubectl, dev_profile: Profile) -> None:
    result = kubectl.sh(
        "kubectl get pods -A --field-selector=status.phase=Running --no-headers | wc -l"
    )
    assert int(result.stdout.strip()) >= dev_profile.validation.min_running_pods


def test_get_pods_not_running_is_empty(kubectl: Kubectl) -> None:
    result = kubectl.sh("kubectl get pods -A --no-headers | grep -v Running || true")
    assert result.stdout.strip() == ""


def test_get_pods_by_label(kubectl: Kubectl) -> None:
    table = rows(kubectl("get", "pods", "-n", "kube-system", "-l", "k8s-app=cilium").stdout)
    assert len(table) == 4
    assert all(r[1] == "1/1" and r[2] == "Running" for r in table[1:])


def test_get_applications_columns_like_argo_cd(kubectl: Kubectl, dev_profile: Profile) -> None:
    table = rows(kubectl("get", "applications", "-n", ARGOCD).stdout)
    assert table[0] == ["NAME", "SYNC STATUS", "HEALTH STATUS"]
    apps = {r[0]: r[1:] for r in table[1:]}
    for app in dev_profile.apps:
        assert apps[app.name] == ["Synced", "Healthy"], app.name
    assert dev_profile.argocd.root_app in apps
    wide = rows(kubectl("get", "app", "-n", ARGOCD, "-o", "wide").stdout)
    assert wide[0] == ["NAME", "SYNC STATUS", "HEALTH STATUS", "REVISION", "PROJECT"]
    assert len(wide[1][3]) == 40 and wide[1][4] == "default"


def test_get_certificates_and_clusterissuers(kubectl: Kubectl) -> None:
    certs = rows(kubectl("get", "certificates", "-A").stdout)
    assert certs[0] == ["NAMESPACE", "NAME", "READY", "SECRET", "AGE"]
    ready = {f"{r[0]}/{r[1]}": r[2] for r in certs[1:]}
    # Never issued: its Ingress names ClusterIssuer "gandi", which the repository lacks.
    assert ready.pop("mail-gateway/mail-gateway-tls-dev") == "False"
    assert ready and set(ready.values()) == {"True"}
    issuers = rows(kubectl("get", "clusterissuers").stdout)
    assert issuers[0] == ["NAME", "READY", "AGE"]
    assert {r[0] for r in issuers[1:]} == {"letsencrypt-prod", "letsencrypt-staging"}
    assert all(r[1] == "True" for r in issuers[1:])


def test_get_secrets_and_configmaps_of_the_procedure(kubectl: Kubectl) -> None:
    secrets = kubectl("get", "secrets", "-n", "cert-manager").stdout
    assert "gandi-credentials" in secrets and "Opaque" in secrets
    # The runbook's diagnostic lists ConfigMaps in synology-csi; the built cluster holds what
    # the dev profile applies there, the Secret the CSI pods mount.
    configmaps = kubectl("get", "configmaps", "-n", "synology-csi").stdout
    assert "kube-root-ca.crt" in configmaps and "synology-client-info" not in configmaps
    csi = rows(kubectl("get", "secrets", "-n", "synology-csi").stdout)
    assert csi[0] == ["NAME", "TYPE", "DATA", "AGE"]
    assert [r[:3] for r in csi[1:]] == [["client-info-secret", "Opaque", "1"]]


def test_describe_logs_and_yaml_of_a_pod(kubectl: Kubectl) -> None:
    name = kubectl(
        "get", "pods", "-n", ARGOCD, "-l", "app.kubernetes.io/name=argocd-server", "-o", "name"
    ).stdout.strip()
    assert name.startswith("pod/argocd-server-")
    described = kubectl("describe", "-n", ARGOCD, name).stdout
    for text in (
        "Status:           Running",
        "Controlled By:  ReplicaSet/argocd-server-",
        "Events:",
        "Started container server",
    ):
        assert text in described
    logs = kubectl("logs", "-n", ARGOCD, name).stdout
    assert "ArgoCD API Server is starting" in logs
    pod = yaml.safe_load(kubectl("get", "-n", ARGOCD, name, "-o", "yaml").stdout)
    assert pod["status"]["phase"] == "Running"
    assert pod["spec"]["nodeName"] in ("obsy", "onyx", "opale")
    volumes = kubectl.sh(f"kubectl get -n {ARGOCD} {name} -o yaml | grep -A 10 volumes").stdout
    assert "kube-api-access-" in volumes


def test_logs_of_a_multi_container_pod_need_no_container_flag(kubectl: Kubectl) -> None:
    result = kubectl("logs", "-n", "synology-csi", "synology-csi-controller-0")
    assert result.stdout.strip()


def test_wrong_token_is_unauthorized(built: SimCluster, tmp_path: Path) -> None:
    kubectl = Kubectl(built, tmp_path)
    result = kubectl("--token", "not-the-token", "get", "nodes", check=False)
    assert result.returncode == 1
    assert "error: You must be logged in to the server" in result.stderr


def test_get_missing_object_is_not_found(kubectl: Kubectl) -> None:
    result = kubectl("get", "secret", "nope", "-n", "cert-manager", check=False)
    assert result.returncode == 1
    assert 'Error from server (NotFound): secrets "nope" not found' in result.stderr


def test_watch_prints_a_table(kubectl: Kubectl) -> None:
    result = kubectl("get", "nodes", "-w", "--request-timeout=1s", check=False, timeout=20)
    table = rows(result.stdout)
    assert table[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert {r[0] for r in table[1:]} >= {"obsy", "onyx", "opale"}


# -- commands that change the cluster, each on a cluster of its own -----------------------


def test_create_namespace_twice(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    assert kubectl("create", "namespace", "sandbox").stdout.strip() == "namespace/sandbox created"
    again = kubectl("create", "namespace", "sandbox", check=False)
    assert again.returncode == 1
    assert 'Error from server (AlreadyExists): namespaces "sandbox" already exists' in again.stderr
    assert rows(kubectl("get", "namespace", "sandbox").stdout)[1][:2] == ["sandbox", "Active"]


def test_delete_repo_server_pods_they_come_back_under_a_new_name(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim: SimCluster = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    before = set(
        kubectl("get", "pods", "-n", ARGOCD, "-l", REPO_SERVER, "-o", "name").stdout.split()
    )
    deleted = kubectl("delete", "pod", "-n", ARGOCD, "-l", REPO_SERVER, timeout=30)
    for name in before:
        assert f'pod "{name.removeprefix("pod/")}" deleted' in deleted.stdout
    after = set(
        kubectl("get", "pods", "-n", ARGOCD, "-l", REPO_SERVER, "-o", "name").stdout.split()
    )
    assert after and not after & before
    kubectl(
        "wait",
        "--for=condition=Ready",
        "pod",
        "-n",
        ARGOCD,
        "-l",
        REPO_SERVER,
        "--timeout=30s",
        timeout=40,
    )
    table = rows(kubectl("get", "pods", "-n", ARGOCD, "-l", REPO_SERVER).stdout)
    assert [r[1:3] for r in table[1:]] == [["1/1", "Running"]]
    events = kubectl("get", "events", "-n", ARGOCD, "--field-selector", "reason=Killing").stdout
    assert "Stopping container repo-server" in events


def test_apply_secret_file_with_string_data(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(scenario="built"), tmp_path)
    kubectl("delete", "secret", "gandi-credentials", "-n", "cert-manager")
    manifest = tmp_path / "gandi-credentials.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gandi-credentials\n  namespace: cert-manager\n"
        'type: Opaque\nstringData:\n  api-token: "token-one"\n'
    )
    assert (
        kubectl("apply", "-f", str(manifest)).stdout.strip() == "secret/gandi-credentials created"
    )
    data = json.loads(
        kubectl(
            "get", "secret", "gandi-credentials", "-n", "cert-manager", "-o", "jsonpath={.data}"
        ).stdout
    )
    assert base64.b64decode(data["api-token"]).decode() == "token-one"
    manifest.write_text(manifest.read_text().replace("token-one", "token-two"))
    assert (
        kubectl("apply", "-f", str(manifest)).stdout.strip()
        == "secret/gandi-credentials configured"
    )
    data = json.loads(
        kubectl(
            "get", "secret", "gandi-credentials", "-n", "cert-manager", "-o", "jsonpath={.data}"
        ).stdout
    )
    assert base64.b64decode(data["api-token"]).decode() == "token-two"
    secret = yaml.safe_load(
        kubectl("get", "secret", "gandi-credentials", "-n", "cert-manager", "-o", "yaml").stdout
    )
    assert "stringData" not in secret


def test_configmap_dry_run_pipe_creates_then_updates(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    kubectl(
        "delete", "configmap", "synology-client-info", "-n", "synology-csi", "--ignore-not-found"
    )
    client_info = tmp_path / "client-info.yml"
    client_info.write_text('---\nclients:\n  - host: "192.168.111.69"\n    password: "first"\n')
    pipe = (
        f"kubectl create configmap synology-client-info --from-file=client-info.yml={client_info} "
        "-n synology-csi --dry-run=client -o yaml | kubectl apply -f -"
    )
    assert kubectl.sh(pipe).stdout.strip() == "configmap/synology-client-info created"
    client_info.write_text(client_info.read_text().replace("first", "second"))
    assert kubectl.sh(pipe).stdout.strip() == "configmap/synology-client-info configured"
    assert kubectl.sh(pipe).stdout.strip() == "configmap/synology-client-info unchanged"
    stored = kubectl(
        "get",
        "configmap",
        "synology-client-info",
        "-n",
        "synology-csi",
        "-o",
        "jsonpath={.data.client-info\\.yml}",
    ).stdout
    assert 'password: "second"' in stored


def test_patch_application_forces_a_sync(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    result = kubectl(
        "patch", "application", "cert-manager", "-n", ARGOCD, "--type", "merge", "-p", SYNC_PATCH
    )
    assert result.stdout.strip() == "application.argoproj.io/cert-manager patched"

    def done() -> bool:
        app = sim.store.get(kinds.APPLICATION, ARGOCD, "cert-manager") or {}
        state = app.get("status", {}).get("operationState", {})
        by_admin = state.get("operation", {}).get("initiatedBy") == {"username": "admin"}
        return state.get("phase") == "Succeeded" and by_admin and "operation" not in app

    wait_for(done, what="the forced sync to succeed")
    app = json.loads(
        kubectl("get", "application", "cert-manager", "-n", ARGOCD, "-o", "json").stdout
    )
    assert "operation" not in app
    assert app["status"]["sync"]["status"] == "Synced"
    assert app["status"]["operationState"]["operation"]["sync"] == {"revision": "dev"}
    assert app["status"]["operationState"]["message"] == "successfully synced (all tasks run)"
    wait_for(
        lambda: app_state(sim, "cert-manager") == ("Synced", "Healthy"),
        what="cert-manager Synced/Healthy again",
    )


def test_strategic_patch_of_an_application_is_refused(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    result = kubectl(
        "patch",
        "application",
        "whoami",
        "-n",
        ARGOCD,
        "--type",
        "strategic",
        "-p",
        SYNC_PATCH,
        check=False,
    )
    assert result.returncode == 1
    assert (
        "UnsupportedMediaType" in result.stderr
        or "415" in result.stderr
        or "unknown format" in result.stderr
    )


def test_apply_an_application_manifest_of_the_gitops_repo(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    # argocd/overlays/dev/apps/whoami.yaml of the GitOps repository, renamed.
    manifest = tmp_path / "extra.yaml"
    text = (
        "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: whoami\n"
        "  namespace: argocd\n  finalizers:\n    - resources-finalizer.argocd.argoproj.io\nspec:\n"
        "  project: default\n  source:\n    repoURL: https://github.com/charchess/vixens.git\n"
        "    targetRevision: dev\n    path: apps/whoami/overlays/dev\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: whoami\n  syncPolicy:\n"
        "    automated:\n      prune: true\n      selfHeal: true\n    syncOptions:\n"
        "      - CreateNamespace=true\n"
    )
    manifest.write_text(
        text.replace("name: whoami", "name: extra").replace("namespace: whoami", "namespace: extra")
    )
    assert (
        kubectl("apply", "-f", str(manifest)).stdout.strip()
        == "application.argoproj.io/extra created"
    )
    wait_for(
        lambda: app_state(sim, "extra") == ("Synced", "Healthy"),
        what="the new app Synced/Healthy",
    )
    assert kubectl("get", "namespace", "extra", check=False).returncode == 0
    manifest.write_text(manifest.read_text().replace("targetRevision: dev", "targetRevision: main"))
    assert (
        kubectl("apply", "-f", str(manifest)).stdout.strip()
        == "application.argoproj.io/extra configured"
    )
    server_side = kubectl("apply", "--server-side", "-f", str(manifest))
    assert server_side.stdout.strip() == "application.argoproj.io/extra serverside-applied"
    revision = kubectl(
        "get", "app", "extra", "-n", ARGOCD, "-o", "jsonpath={.spec.source.targetRevision}"
    )
    assert revision.stdout == "main"
