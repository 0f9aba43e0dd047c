"""Odd requests, answered as a real kube-apiserver answers them, proved with the real kubectl 1.37
(and the `kubernetes` client where natural): dry-run deletes, malformed query integers, bodies
nested too deep, unsupported field selectors, Applications of the wrong shape, `auth can-i`,
`kubectl diff` of an unchanged object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.sim.helpers import Kubectl, MakeSim, api_client, raw_request
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

WHOAMI_APP = Path(__file__).parents[1] / (
    "fixtures/vixens-repo-2025-11-15/argocd/overlays/dev/apps/whoami.yaml"
)


def _status(body: bytes) -> dict[str, Any]:
    status = json.loads(body)
    assert status["kind"] == "Status" and status["apiVersion"] == "v1", status
    assert status["status"] == "Failure", status
    return status


def _pods(sim: SimCluster, namespace: str = "whoami") -> set[tuple[str, str, bool]]:
    """(name, uid, being deleted) of the pods: what a delete changes, and the simulation not
    (it may write a pod's status meanwhile)."""
    return {
        (p["metadata"]["name"], p["metadata"]["uid"], "deletionTimestamp" in p["metadata"])
        for p in sim.store.list(kinds.POD, namespace)
    }


def _a_running_pod(sim: SimCluster, namespace: str = "whoami") -> str:
    pods = [
        p
        for p in sim.store.list(kinds.POD, namespace)
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]
    assert pods
    return str(pods[0]["metadata"]["name"])


# -- 1. dry-run deletes ---------------------------------------------------------------------


def test_dry_run_delete_of_a_pod_changes_nothing(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    name = _a_running_pod(sim)
    before = sim.store.get(kinds.POD, "whoami", name)
    pods = _pods(sim)
    result = kubectl("delete", "pod", name, "-n", "whoami", "--dry-run=server")
    assert result.stdout.strip() == f'pod "{name}" deleted from whoami namespace (server dry run)'
    assert _pods(sim) == pods
    # Through the API: the pod as a real (graceful) delete would leave it, nothing stored.
    status, _, body = raw_request(
        sim,
        "DELETE",
        f"/api/v1/namespaces/whoami/pods/{name}",
        body={"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]},
    )
    assert status == 200
    answered = json.loads(body)
    assert answered["kind"] == "Pod" and answered["metadata"]["name"] == name
    assert answered["metadata"]["uid"] == before["metadata"]["uid"]
    assert answered["metadata"]["deletionTimestamp"]
    assert answered["metadata"]["deletionGracePeriodSeconds"] == 30
    # The stored version (nothing was written), not a new one.
    stored = sim.store.get(kinds.POD, "whoami", name)
    assert stored is not None
    assert answered["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert _pods(sim) == pods


def test_dry_run_delete_of_a_secret_answers_a_status_and_keeps_it(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    kubectl("create", "secret", "generic", "keep", "-n", "whoami", "--from-literal=a=1")
    result = kubectl("delete", "secret", "keep", "-n", "whoami", "--dry-run=server")
    assert result.stdout.strip() == 'secret "keep" deleted from whoami namespace (server dry run)'
    assert sim.store.get(kinds.SECRET, "whoami", "keep") is not None
    core = client.CoreV1Api(api_client(sim, tmp_path))
    # The client 37 types a delete's answer as a plain object (a dict).
    answered = core.delete_namespaced_secret("keep", "whoami", dry_run="All")
    assert answered["kind"] == "Status" and answered["status"] == "Success"
    assert answered["details"]["name"] == "keep" and answered["details"]["kind"] == "secrets"
    assert sim.store.get(kinds.SECRET, "whoami", "keep") is not None


def test_dry_run_delete_of_a_collection_changes_nothing(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    for name in ("one", "two"):
        kubectl("create", "configmap", name, "-n", "whoami", "--from-literal=a=1")
    pods_before = _pods(sim)
    status, _, body = raw_request(
        sim,
        "DELETE",
        "/api/v1/namespaces/whoami/pods",
        body={"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]},
    )
    assert status == 200
    listed = json.loads(body)
    assert listed["kind"] == "PodList"
    assert {p["metadata"]["name"] for p in listed["items"]} == {n for n, _, _ in pods_before}
    assert _pods(sim) == pods_before
    core = client.CoreV1Api(api_client(sim, tmp_path))
    core.delete_collection_namespaced_config_map(
        "whoami", body=client.V1DeleteOptions(dry_run=["All"])
    )
    assert sim.store.get(kinds.CONFIGMAP, "whoami", "one") is not None
    assert sim.store.get(kinds.CONFIGMAP, "whoami", "two") is not None
    result = kubectl("delete", "configmaps", "--all", "-n", "whoami", "--dry-run=server")
    assert 'configmap "one" deleted from whoami namespace (server dry run)' in result.stdout
    assert sim.store.get(kinds.CONFIGMAP, "whoami", "one") is not None


# -- 2. malformed integers in the query -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=abc",
        "timeoutSeconds=abc",
        "watch=true&timeoutSeconds=abc",
        "limit=1.5",
        "limit=99999999999999999999",
    ],
)
def test_a_malformed_query_integer_is_a_bad_request(built: SimCluster, query: str) -> None:
    status, _, body = raw_request(built, "GET", f"/api/v1/namespaces/argocd/pods?{query}")
    assert status == 400
    answered = _status(body)
    assert answered["reason"] == "BadRequest" and answered["code"] == 400
    value = query.rsplit("=", 1)[1]
    why = "value out of range" if value.isdigit() else "invalid syntax"
    assert answered["message"] == f'strconv.ParseInt: parsing "{value}": {why}'


def test_kubectl_reports_a_malformed_limit(kubectl: Kubectl) -> None:
    result = kubectl("get", "--raw", "/api/v1/pods?limit=abc", check=False)
    assert result.returncode == 1
    assert "BadRequest" in result.stderr or "Bad Request" in result.stderr
    assert 'strconv.ParseInt: parsing \\"abc\\": invalid syntax' in result.stderr or (
        'strconv.ParseInt: parsing "abc": invalid syntax' in result.stderr
    )


def test_a_malformed_grace_period_is_a_bad_request(built: SimCluster) -> None:
    status, _, body = raw_request(
        built, "DELETE", "/api/v1/namespaces/whoami/configmaps/nope?gracePeriodSeconds=soon"
    )
    assert status == 400
    assert _status(body)["message"] == 'strconv.ParseInt: parsing "soon": invalid syntax'


# -- 3. bodies nested too deep ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/api/v1/namespaces/whoami/configmaps", "application/json"),
        ("PUT", "/api/v1/namespaces/whoami/configmaps/x", "application/json"),
        ("PATCH", "/api/v1/namespaces/whoami/configmaps/x", "application/merge-patch+json"),
        ("PATCH", "/api/v1/namespaces/whoami/configmaps/x", "application/apply-patch+yaml"),
        ("DELETE", "/api/v1/namespaces/whoami/configmaps/x", "application/json"),
    ],
)
def test_a_body_nested_5000_deep_is_a_bad_request(
    built: SimCluster, method: str, path: str, content_type: str
) -> None:
    deep = ("[" * 5000 + "]" * 5000).encode()
    status, _, body = raw_request(
        built, method, path, body=deep, headers={"Content-Type": content_type}
    )
    assert status == 400, body
    answered = _status(body)
    assert answered["reason"] == "BadRequest" and answered["code"] == 400
    nested = ('{"a":' * 5000 + "1" + "}" * 5000).encode()
    status, _, body = raw_request(
        built, method, path, body=nested, headers={"Content-Type": content_type}
    )
    assert status == 400, body
    assert _status(body)["reason"] == "BadRequest"


# -- 4. field selectors each kind supports ----------------------------------------------------


def test_an_unsupported_field_selector_is_a_bad_request(kubectl: Kubectl) -> None:
    result = kubectl("get", "pods", "--field-selector", "spec.foo=bar", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
        'selector "", field selector "spec.foo=bar": field label not supported: spec.foo'
    )
    result = kubectl("get", "configmaps", "-A", "--field-selector", "data.a=1", check=False)
    assert result.returncode == 1
    assert (
        '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"'
        in result.stderr
    )
    result = kubectl(
        "get", "apps", "-n", "argocd", "--field-selector", "spec.project=default", check=False
    )
    assert result.returncode == 1
    assert "field label not supported: spec.project" in result.stderr
    result = kubectl(
        "get", "clusterissuers", "--field-selector", "metadata.namespace=x", check=False
    )
    assert "field label not supported: metadata.namespace" in result.stderr
    result = kubectl("get", "nodes", "--field-selector", "status.phase=Ready", check=False)
    assert "field label not supported: status.phase" in result.stderr


def test_a_watch_with_an_unsupported_field_selector_is_a_bad_request(built: SimCluster) -> None:
    status, _, body = raw_request(
        built, "GET", "/api/v1/pods?watch=true&fieldSelector=status.hostIP%3D1.2.3.4"
    )
    assert status == 400
    assert _status(body)["message"] == "field label not supported: status.hostIP"


def test_supported_field_selectors_still_work(kubectl: Kubectl, built: SimCluster) -> None:
    running = kubectl("get", "pods", "-A", "--field-selector=status.phase=Running", "-o", "name")
    assert len(running.stdout.split()) >= 30
    for selector, resource in [
        ("spec.nodeName=obsy,status.phase!=Failed", "pods"),
        ("spec.restartPolicy=Always,spec.hostNetwork=false", "pods"),
        ("metadata.namespace=argocd", "pods"),
        ("type=Opaque", "secrets"),
        ("involvedObject.kind=Pod", "events"),
        ("status.phase=Active", "namespaces"),
        ("spec.unschedulable=false", "nodes"),
        ("metadata.name=whoami", "applications"),
        ("spec.type=ClusterIP", "services"),
    ]:
        kubectl("get", resource, "-A", "--field-selector", selector)
    # A bool the object leaves out reads "false", as the real selectable fields format it
    # (strconv.FormatBool(node.Spec.Unschedulable), pod.Spec.HostNetwork).
    nodes = kubectl("get", "nodes", "--field-selector", "spec.unschedulable=false", "-o", "name")
    assert len(nodes.stdout.split()) == 3
    whoami = {p["metadata"]["name"] for p in built.store.list(kinds.POD, "whoami")}
    pods = kubectl(
        "get",
        "pods",
        "-n",
        "whoami",
        "--field-selector",
        "spec.hostNetwork=false,spec.schedulerName=default-scheduler,spec.restartPolicy=Always",
        "-o",
        "name",
    )
    assert {n.removeprefix("pod/") for n in pods.stdout.split()} == whoami
    # An Event's `source` is its source.component.
    core = client.CoreV1Api(api_client(built, kubectl.home))
    events = core.list_event_for_all_namespaces(
        field_selector="involvedObject.kind=Pod,source=default-scheduler"
    )
    assert events.items
    assert all(e.source.component == "default-scheduler" for e in events.items)


# -- 5. Applications validated against the CRD's structural schema ----------------------------


def test_an_application_operation_that_is_not_an_object_is_invalid(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    result = kubectl(
        "patch",
        "app",
        "whoami",
        "-n",
        "argocd",
        "--type",
        "merge",
        "-p",
        '{"operation":"notanobject"}',
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'The Application "whoami" is invalid: operation: Invalid value: "string": operation '
        'in body must be of type object: "string"'
    )
    assert "operation" not in (sim.store.get(kinds.APPLICATION, "argocd", "whoami") or {})
    app = WHOAMI_APP.read_text().replace("name: whoami\n", "name: shapeless\n", 1)
    app += 'operation: "notanobject"\n'
    result = kubectl("create", "-f", "-", input=app, check=False)
    assert result.returncode == 1
    assert 'operation in body must be of type object: "string"' in result.stderr
    assert sim.store.get(kinds.APPLICATION, "argocd", "shapeless") is None
    status, _, body = raw_request(
        sim,
        "PATCH",
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/whoami",
        body=json.dumps(
            {"operation": {"sync": "now", "initiatedBy": {"username": 7}}, "spec": {"project": 1}}
        ).encode(),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status == 422
    answered = _status(body)
    assert answered["reason"] == "Invalid"
    assert answered["details"]["kind"] == "Application"
    assert answered["details"]["group"] == "argoproj.io"
    causes = {c["field"]: c for c in answered["details"]["causes"]}
    assert causes["operation.sync"] == {
        "reason": "FieldValueTypeInvalid",
        "message": 'Invalid value: "string": operation.sync in body must be of type object: '
        '"string"',
        "field": "operation.sync",
    }
    assert causes["operation.initiatedBy.username"]["message"] == (
        'Invalid value: "integer": operation.initiatedBy.username in body must be of type '
        'string: "integer"'
    )
    assert "spec.project" in causes


def test_the_procedure_sync_patch_is_still_accepted(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    kubectl(
        "patch",
        "app",
        "whoami",
        "-n",
        "argocd",
        "--type",
        "merge",
        "-p",
        '{"operation":{"initiatedBy":{"username":"admin"},"sync":{"revision":"dev"}}}',
    )
    kubectl("apply", "-f", str(WHOAMI_APP))


# -- 6. kubectl auth can-i --------------------------------------------------------------------


def test_auth_can_i(kubectl: Kubectl, built: SimCluster) -> None:
    result = kubectl("auth", "can-i", "get", "pods")
    assert result.stdout.strip() == "yes"
    result = kubectl("auth", "can-i", "delete", "applications.argoproj.io", "-n", "argocd")
    assert result.stdout.strip() == "yes"
    listed = kubectl("auth", "can-i", "--list", "-n", "argocd")
    assert "*.*" in listed.stdout
    api = client.AuthorizationV1Api(api_client(built, kubectl.home))
    review = api.create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    verb="list", resource="secrets", namespace="argocd"
                )
            )
        )
    )
    assert review.status.allowed is True
    assert review.spec.resource_attributes.resource == "secrets"
    status, _, body = raw_request(
        built, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    )
    assert status == 405
    assert _status(body)["reason"] == "MethodNotAllowed"


def test_auth_can_i_in_discovery(built: SimCluster) -> None:
    status, _, body = raw_request(built, "GET", "/apis/authorization.k8s.io/v1")
    assert status == 200
    resources = {r["name"]: r for r in json.loads(body)["resources"]}
    assert resources["selfsubjectaccessreviews"]["verbs"] == ["create"]
    assert resources["selfsubjectaccessreviews"]["kind"] == "SelfSubjectAccessReview"
    assert resources["selfsubjectrulesreviews"]["namespaced"] is False
    status, _, body = raw_request(built, "GET", "/apis")
    names = [g["name"] for g in json.loads(body)["groups"]]
    assert names.count("authorization.k8s.io") == 1


# -- 7. kubectl diff --------------------------------------------------------------------------


def test_diff_of_an_unchanged_object_is_empty(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n  namespace: whoami\n"
        "stringData:\n  a: '1'\n"
    )
    kubectl("apply", "--server-side", "-f", str(secret))
    before = sim.store.get(kinds.SECRET, "whoami", "s1")
    for extra in ([], ["--server-side"]):
        result = kubectl("diff", *extra, "-f", str(secret), check=False)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), extra
    assert sim.store.get(kinds.SECRET, "whoami", "s1") == before
    kubectl("create", "configmap", "cfg", "-n", "whoami", "--from-literal=a=1")
    live = tmp_path / "cfg.yaml"
    live.write_text(kubectl("get", "cm", "cfg", "-n", "whoami", "-o", "yaml").stdout)
    result = kubectl("diff", "--server-side", "-f", str(live), check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    kubectl("apply", "-f", str(WHOAMI_APP))
    result = kubectl("diff", "-f", str(WHOAMI_APP), check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout


def test_diff_of_a_changed_object_shows_the_change(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n  namespace: whoami\n"
        "stringData:\n  a: '1'\n"
    )
    kubectl("apply", "--server-side", "-f", str(secret))
    secret.write_text(secret.read_text().replace("a: '1'", "a: '2'"))
    before = sim.store.get(kinds.SECRET, "whoami", "s1")
    for extra in ([], ["--server-side"]):
        result = kubectl("diff", *extra, "-f", str(secret), check=False)
        assert result.returncode == 1, (extra, result.stderr)
        assert "-  a: '***'" in result.stdout or "a: '*** (before)'" in result.stdout
    assert sim.store.get(kinds.SECRET, "whoami", "s1") == before
    kubectl("apply", "-f", str(WHOAMI_APP))
    changed = WHOAMI_APP.read_text().replace("targetRevision: dev", "targetRevision: main")
    changed_file = tmp_path / "app.yaml"
    changed_file.write_text(changed)
    result = kubectl("diff", "-f", str(changed_file), check=False)
    assert result.returncode == 1
    assert "-    targetRevision: dev" in result.stdout
    assert "+    targetRevision: main" in result.stdout


def test_python_client_sees_the_bad_request(built: SimCluster, tmp_path: Path) -> None:
    core = client.CoreV1Api(api_client(built, tmp_path))
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_pod("argocd", field_selector="spec.foo=bar")
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["message"] == "field label not supported: spec.foo"
