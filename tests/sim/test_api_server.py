"""The API server's wire contract, request by request (docs/testing.md section 4)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.sim.helpers import Kubectl, MakeSim, raw_request, wait_for
from vixens_tui.sim.cluster import SimCluster

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _json(body: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(body)


def test_version_and_authentication(built: SimCluster) -> None:
    status, _, body = raw_request(built, "GET", "/version", headers={"Authorization": ""}, token="")
    assert status == 200 and _json(body)["gitVersion"] == "v1.34.0"
    status, _, body = raw_request(built, "GET", "/version", token="wrong")
    assert status == 401
    assert _json(body) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    status, _, body = raw_request(built, "GET", "/api/v1/pods", token="wrong")
    assert status == 401


def test_discovery_lists_each_group_version_once(built: SimCluster) -> None:
    assert _json(raw_request(built, "GET", "/api")[2])["versions"] == ["v1"]
    groups = _json(raw_request(built, "GET", "/apis")[2])["groups"]
    assert [g["name"] for g in groups] == [
        "apps",
        "apiextensions.k8s.io",
        "argoproj.io",
        "cert-manager.io",
        "acme.cert-manager.io",  # Orders and Challenges, once cert-manager's CRDs exist
        "cilium.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
    ]
    reviews = _json(raw_request(built, "GET", "/apis/authorization.k8s.io/v1")[2])["resources"]
    access = next(r for r in reviews if r["name"] == "selfsubjectaccessreviews")
    assert access["kind"] == "SelfSubjectAccessReview" and access["verbs"] == ["create"]
    core = _json(raw_request(built, "GET", "/api/v1")[2])["resources"]
    pods = next(r for r in core if r["name"] == "pods")
    assert pods["kind"] == "Pod" and pods["namespaced"] and pods["shortNames"] == ["po"]
    assert "watch" in pods["verbs"] and any(r["name"] == "pods/log" for r in core)
    argo = _json(raw_request(built, "GET", "/apis/argoproj.io/v1alpha1")[2])["resources"]
    assert argo[0]["name"] == "applications" and argo[0]["shortNames"] == ["app", "apps"]
    assert raw_request(built, "GET", "/apis/batch/v1")[0] == 404


def test_openapi_v3_declares_server_side_field_validation(built: SimCluster) -> None:
    index = _json(raw_request(built, "GET", "/openapi/v3")[2])["paths"]
    assert set(index) == {
        "api/v1",
        "apis/apps/v1",
        "apis/apiextensions.k8s.io/v1",
        "apis/argoproj.io/v1alpha1",
        "apis/cert-manager.io/v1",
        "apis/acme.cert-manager.io/v1",
        "apis/cilium.io/v2",
        "apis/cilium.io/v2alpha1",
    }
    url = index["api/v1"]["serverRelativeURL"]
    doc = _json(raw_request(built, "GET", url)[2])
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/secrets/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "",
        "version": "v1",
        "kind": "Secret",
    }
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])


def test_table_output(built: SimCluster) -> None:
    status, headers, body = raw_request(
        built, "GET", "/api/v1/namespaces/argocd/pods", headers={"Accept": TABLE}
    )
    assert status == 200 and "as=Table" in headers["content-type"]
    table = _json(body)
    assert table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]
    assert names == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    apps = _json(
        raw_request(
            built,
            "GET",
            "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications",
            headers={"Accept": TABLE},
        )[2]
    )
    assert [c["name"] for c in apps["columnDefinitions"]][:3] == [
        "Name",
        "Sync Status",
        "Health Status",
    ]
    assert {tuple(r["cells"][1:3]) for r in apps["rows"]} == {("Synced", "Healthy")}


def test_status_errors(built: SimCluster) -> None:
    status, _, body = raw_request(built, "GET", "/api/v1/namespaces/argocd/secrets/nope")
    assert status == 404
    assert _json(body)["message"] == 'secrets "nope" not found'
    assert _json(body)["details"] == {"name": "nope", "kind": "secrets"}
    status, _, body = raw_request(
        built, "GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/nope"
    )
    assert status == 404 and _json(body)["message"] == 'applications.argoproj.io "nope" not found'
    assert raw_request(built, "GET", "/api/v1/widgets")[0] == 404
    status, _, body = raw_request(
        built, "POST", "/api/v1/namespaces", body={"metadata": {"name": "kube-system"}}
    )
    assert status == 409 and _json(body)["reason"] == "AlreadyExists"
    status, _, body = raw_request(
        built,
        "PATCH",
        "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/whoami",
        body=b"{}",
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert status == 415 and _json(body)["reason"] == "UnsupportedMediaType"
    status, _, body = raw_request(
        built,
        "POST",
        "/api/v1/namespaces/default/pods",
        body={"metadata": {"name": "bad"}, "spec": {}},
    )
    assert status == 422
    assert _json(body)["message"] == 'Pod "bad" is invalid: spec.containers: Required value'
    status, _, body = raw_request(
        built, "POST", "/api/v1/namespaces", body={"metadata": {"name": "Bad_Name"}}
    )
    assert status == 422 and _json(body)["details"]["causes"][0]["field"] == "metadata.name"
    status, _, body = raw_request(built, "GET", "/api/v1/pods?labelSelector=a%20in%20(b")
    assert status == 400
    status, _, _ = raw_request(built, "DELETE", "/api/v1/namespaces/kube-system")
    assert status == 403


def test_dry_run_does_not_store(built: SimCluster) -> None:
    body = {"metadata": {"name": "dry-run-only"}, "data": {"a": "b"}}
    status, _, _ = raw_request(
        built, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", body=body
    )
    assert status == 201
    assert raw_request(built, "GET", "/api/v1/namespaces/default/configmaps/dry-run-only")[0] == 404


def test_patch_flavours_and_delete_collection(make_sim: MakeSim) -> None:
    sim = make_sim()
    base = "/api/v1/namespaces/default/configmaps"
    for index in range(3):
        body = {
            "metadata": {"name": f"cm-{index}", "labels": {"batch": "x", "n": str(index)}},
            "data": {"v": "0"},
        }
        assert raw_request(sim, "POST", base, body=body)[0] == 201
    ops = json.dumps(
        [
            {"op": "replace", "path": "/data/v", "value": "1"},
            {"op": "add", "path": "/data/w", "value": "2"},
        ]
    )
    status, _, body = raw_request(
        sim,
        "PATCH",
        f"{base}/cm-0",
        body=ops.encode(),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert status == 200 and _json(body)["data"] == {"v": "1", "w": "2"}
    status, _, body = raw_request(
        sim,
        "PATCH",
        f"{base}/cm-0",
        body=b'{"data":{"w":null}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert _json(body)["data"] == {"v": "1"}
    applied = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n"
    status, _, body = raw_request(
        sim,
        "PATCH",
        f"{base}/applied?fieldManager=test",
        body=applied,
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    assert status == 201 and _json(body)["data"] == {"k": "v"}
    status, _, body = raw_request(sim, "GET", f"{base}?labelSelector=batch%3Dx&limit=2")
    page = _json(body)
    assert len(page["items"]) == 2 and page["metadata"]["continue"]
    status, _, body = raw_request(
        sim,
        "GET",
        f"{base}?labelSelector=batch%3Dx&limit=2&continue={page['metadata']['continue']}",
    )
    assert [i["metadata"]["name"] for i in _json(body)["items"]] == ["cm-2"]
    status, _, body = raw_request(sim, "DELETE", f"{base}?labelSelector=n%20in%20(0,1)")
    assert status == 200 and len(_json(body)["items"]) == 2
    left = [
        i["metadata"]["name"]
        for i in _json(raw_request(sim, "GET", f"{base}?labelSelector=batch")[2])["items"]
    ]
    assert left == ["cm-2"]


def test_strategic_merge_patch_merges_containers_by_name(make_sim: MakeSim) -> None:
    sim = make_sim()
    pod = {
        "metadata": {"name": "two"},
        "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]},
    }
    assert raw_request(sim, "POST", "/api/v1/namespaces/default/pods", body=pod)[0] == 201
    patch = {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}
    status, _, body = raw_request(
        sim,
        "PATCH",
        "/api/v1/namespaces/default/pods/two",
        body=json.dumps(patch).encode(),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert status == 200
    assert [(c["name"], c["image"]) for c in _json(body)["spec"]["containers"]] == [
        ("a", "a:1"),
        ("b", "b:2"),
    ]


def test_user_pods_run_and_delete_gracefully(make_sim: MakeSim) -> None:
    sim = make_sim()
    pod = {
        "metadata": {"name": "mine"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }
    assert raw_request(sim, "POST", "/api/v1/namespaces/default/pods", body=pod)[0] == 201
    path = "/api/v1/namespaces/default/pods/mine"
    wait_for(
        lambda: _json(raw_request(sim, "GET", path)[2])["status"]["phase"] == "Running",
        what="the pod to run",
    )
    status, _, body = raw_request(
        sim, "DELETE", path, body={"kind": "DeleteOptions", "apiVersion": "v1"}
    )
    assert status == 200 and _json(body)["metadata"]["deletionTimestamp"]
    wait_for(lambda: raw_request(sim, "GET", path)[0] == 404, what="the pod to be gone")


def test_protobuf_bodies_of_kubectl_create(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    kubectl("create", "namespace", "proto", "--dry-run=server")
    kubectl("create", "namespace", "proto")
    kubectl("label", "namespace", "proto", "team=infra")
    kubectl(
        "create",
        "secret",
        "generic",
        "s",
        "-n",
        "proto",
        "--from-literal=api-token=abc",
        "--type=Opaque",
    )
    kubectl("create", "configmap", "c", "-n", "proto", "--from-literal=key=value")
    secret = json.loads(kubectl("get", "secret", "s", "-n", "proto", "-o", "json").stdout)
    assert secret["data"] == {"api-token": "YWJj"} and secret["type"] == "Opaque"
    config = json.loads(kubectl("get", "configmap", "c", "-n", "proto", "-o", "json").stdout)
    assert config["data"] == {"key": "value"}
    namespace = json.loads(kubectl("get", "namespace", "proto", "-o", "json").stdout)
    assert namespace["metadata"]["labels"]["team"] == "infra"


def test_request_counters(built: SimCluster) -> None:
    before = built.request_count("nodes")
    raw_request(built, "GET", "/api/v1/nodes")
    raw_request(built, "GET", "/api/v1/nodes/obsy")
    counts = built.request_counts()
    assert built.request_count("nodes") == before + 2
    assert counts["list nodes"] >= 1 and counts["get nodes"] >= 1
    assert built.request_count() >= sum(counts.values()) - 1


def test_watch_times_out_and_closes(built: SimCluster) -> None:
    started = time.monotonic()
    status, headers, body = raw_request(
        built, "GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1"
    )
    assert status == 200 and headers.get("transfer-encoding") == "chunked"
    assert 0.9 <= time.monotonic() - started < 5
    assert all(json.loads(line)["type"] == "ADDED" for line in body.decode().splitlines() if line)
