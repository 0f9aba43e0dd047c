"""Odd requests, answered as a real kube-apiserver answers them, through the real kubectl 1.37.

Each expectation comes from the real server's source: query parameters are decoded by the
generated url.Values conversions (strconv errors, 400); field selectors go through each kind's
field label conversion (400); a CRD's structural schema refuses a value of the wrong type (422);
a DELETE's body carries its own `dryRun`; `kubectl auth can-i` POSTs a SelfSubjectAccessReview;
`kubectl diff` compares the live object with a server-side dry run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sim.helpers import Kubectl, MakeSim, raw_request
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster

ARGOCD = "argocd"


def _status(sim: SimCluster, method: str, path: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    code, _, body = raw_request(sim, method, path, **kw)
    return code, json.loads(body)


def _bad_request(status: dict[str, Any], message: str) -> None:
    assert status["kind"] == "Status" and status["status"] == "Failure", status
    assert status["reason"] == "BadRequest" and status["code"] == 400, status
    assert status["message"] == message, status


# -- DELETE with dryRun in its body ---------------------------------------------------------


def test_delete_dry_run_server_deletes_nothing(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    pod = kubectl(
        "get", "pods", "-n", ARGOCD, "-l", "app.kubernetes.io/name=argocd-server", "-o", "name"
    ).stdout.strip()
    result = kubectl("delete", "-n", ARGOCD, pod, "--dry-run=server")
    assert result.stdout.strip() == (
        f'pod "{pod.removeprefix("pod/")}" deleted from argocd namespace (server dry run)'
    )
    stored = sim.store.get(kinds.POD, ARGOCD, pod.removeprefix("pod/"))
    assert stored is not None and "deletionTimestamp" not in stored["metadata"]
    result = kubectl(
        "delete", "configmap", "kube-root-ca.crt", "-n", "synology-csi", "--dry-run=server"
    )
    assert result.stdout.strip() == (
        'configmap "kube-root-ca.crt" deleted from synology-csi namespace (server dry run)'
    )
    assert sim.store.get(kinds.CONFIGMAP, "synology-csi", "kube-root-ca.crt") is not None
    kubectl("delete", "namespace", "whoami", "--dry-run=server")
    assert sim.store.get(kinds.NAMESPACE, "", "whoami") is not None
    assert sim.store.list(kinds.POD, "whoami")
    # The body's dryRun is validated as the query's is: only "All".
    code, status = _status(
        sim,
        "DELETE",
        "/api/v1/namespaces/synology-csi/configmaps/kube-root-ca.crt",
        body={"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["Sometimes"]},
    )
    assert code == 422 and status["reason"] == "Invalid", status
    assert 'dryRun: Unsupported value: ["Sometimes"]: supported values: "All"' in status["message"]
    assert sim.store.get(kinds.CONFIGMAP, "synology-csi", "kube-root-ca.crt") is not None


# -- query parameters -----------------------------------------------------------------------


def test_a_limit_that_is_no_number_is_a_bad_request(kubectl: Kubectl, built: SimCluster) -> None:
    result = kubectl("get", "--raw", "/api/v1/pods?limit=abc", check=False)
    assert result.returncode == 1
    assert (
        'Error from server (BadRequest): strconv.ParseInt: parsing "abc": invalid syntax'
        in result.stderr
    )
    code, status = _status(built, "GET", "/api/v1/namespaces/argocd/pods?limit=abc")
    assert code == 400
    _bad_request(status, 'strconv.ParseInt: parsing "abc": invalid syntax')
    code, status = _status(built, "GET", "/api/v1/pods?limit=")
    _bad_request(status, 'strconv.ParseInt: parsing "": invalid syntax')
    # The first value counts, as Go's url.Values conversion reads it.
    code, listed = _status(built, "GET", "/api/v1/pods?limit=2&limit=abc")
    assert code == 200 and len(listed["items"]) == 2


def test_timeout_seconds_that_is_no_number_is_a_bad_request(
    kubectl: Kubectl, built: SimCluster
) -> None:
    result = kubectl("get", "--raw", "/api/v1/pods?watch=true&timeoutSeconds=abc", check=False)
    assert result.returncode == 1
    assert (
        'Error from server (BadRequest): strconv.ParseInt: parsing "abc": invalid syntax'
        in result.stderr
    )
    code, status = _status(built, "GET", "/api/v1/namespaces/argocd/pods?timeoutSeconds=1.5")
    assert code == 400
    _bad_request(status, 'strconv.ParseInt: parsing "1.5": invalid syntax')


# -- a body nested 5,000 deep ---------------------------------------------------------------


def test_a_body_nested_5000_deep_is_a_bad_request(kubectl: Kubectl, tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    body = tmp_path / "deep.json"
    body.write_text(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"k":'
        + deep
        + "}}"
    )
    result = kubectl(
        "create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", str(body), check=False
    )
    assert result.returncode == 1, result.stdout
    assert (
        'Error from server (BadRequest): ConfigMap in version "v1" cannot be handled as a '
        "ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type "
        "string" in result.stderr
    )
    body.write_text(deep)
    result = kubectl(
        "create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", str(body), check=False
    )
    assert result.returncode == 1
    assert (
        "Error from server (BadRequest): the object provided is unrecognized (must be of type "
        "ConfigMap): couldn't get version/kind; json parse error: json: cannot unmarshal array "
        'into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
        'Kind string "json:\\"kind,omitempty\\"" } (' + "5b" * 30 + " ...)" in result.stderr
    )
    # Deeper than Go's JSON scanner goes (10000): its own error.
    body.write_text('{"metadata":' + "[" * 10001 + "]" * 10001 + "}")
    result = kubectl(
        "create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", str(body), check=False
    )
    assert result.returncode == 1
    assert "json parse error: invalid character '[' exceeded max depth" in result.stderr


# -- field selectors ------------------------------------------------------------------------


def test_unsupported_field_selectors_are_bad_requests(kubectl: Kubectl) -> None:
    pods = kubectl("get", "pods", "-A", "--field-selector", "spec.foo=bar", check=False)
    assert pods.returncode == 1
    # kubectl wraps the server's message: Unable to find "/v1, Resource=pods" that match ...
    assert pods.stderr.startswith("Error from server (BadRequest): ")
    assert pods.stderr.rstrip().endswith(": field label not supported: spec.foo")
    cms = kubectl("get", "configmaps", "-A", "--field-selector", "data.x=y", check=False)
    assert cms.returncode == 1
    assert cms.stderr.rstrip().endswith(
        ': "data.x" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    apps = kubectl("get", "apps", "-n", ARGOCD, "--field-selector", "spec.project=x", check=False)
    assert apps.returncode == 1
    assert "field label not supported: spec.project" in apps.stderr
    nodes = kubectl("get", "nodes", "--field-selector", "metadata.namespace=x", check=False)
    assert "field label not supported: metadata.namespace" in nodes.stderr
    # What each kind supports still selects.
    kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=obsy,status.podIP!=")
    kubectl("get", "pods", "-A", "--field-selector", "spec.serviceAccountName=default")
    kubectl("get", "pods", "-A", "--field-selector", "spec.restartPolicy=Always")
    kubectl("get", "events", "-A", "--field-selector", "involvedObject.kind=Pod,type=Normal")
    kubectl("get", "secrets", "-A", "--field-selector", "type=Opaque")
    kubectl("get", "namespaces", "--field-selector", "status.phase=Active")
    kubectl("get", "nodes", "--field-selector", "spec.unschedulable=false")


# -- the Application CRD's structural schema ---------------------------------------------------


def test_an_application_operation_must_be_an_object(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    kubectl = Kubectl(sim, tmp_path)
    result = kubectl(
        "patch",
        "application",
        "whoami",
        "-n",
        ARGOCD,
        "--type",
        "merge",
        "-p",
        '{"operation":"notanobject"}',
        check=False,
    )
    assert result.returncode == 1
    assert 'operation: Invalid value: "string": operation in body must be of type object: ' in (
        result.stderr
    )
    assert "operation" not in (sim.store.get(kinds.APPLICATION, ARGOCD, "whoami") or {})
    app = json.loads(kubectl("get", "app", "whoami", "-n", ARGOCD, "-o", "json").stdout)
    app["metadata"] = {"name": "odd", "namespace": ARGOCD}
    app.pop("status", None)
    app["operation"] = "notanobject"
    code, status = _status(
        sim, "POST", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications", body=app
    )
    assert code == 422, status
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        'Application.argoproj.io "odd" is invalid: operation: Invalid value: "string": '
        'operation in body must be of type object: "string"'
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "string": operation in body must be of type object: '
            '"string"',
            "field": "operation",
        }
    ]


# -- kubectl auth can-i -----------------------------------------------------------------------


def test_auth_can_i_answers_yes_for_the_admin(kubectl: Kubectl, built: SimCluster) -> None:
    assert kubectl("auth", "can-i", "create", "pods").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "delete", "applications", "-n", ARGOCD).stdout == "yes\n"
    assert kubectl("auth", "can-i", "*", "*", "--all-namespaces").stdout == "yes\n"
    code, review = _status(
        built,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body={
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "spec": {"resourceAttributes": {"verb": "get", "resource": "secrets"}},
        },
    )
    assert code == 201
    assert review["kind"] == "SelfSubjectAccessReview"
    assert review["apiVersion"] == "authorization.k8s.io/v1"
    assert review["spec"] == {"resourceAttributes": {"verb": "get", "resource": "secrets"}}
    assert review["status"] == {"allowed": True}


# -- kubectl diff ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "what",
    [
        ("application", ARGOCD, "whoami"),
        ("namespace", "", "whoami"),
        ("configmap", "synology-csi", "kube-root-ca.crt"),
        ("service", ARGOCD, "argocd-server"),
        ("statefulset", ARGOCD, "argocd-application-controller"),
        ("deployment", ARGOCD, "argocd-server"),
        ("daemonset", "kube-system", "cilium"),
    ],
)
def test_diff_of_an_unchanged_object_is_empty(
    kubectl: Kubectl, tmp_path: Path, what: tuple[str, str, str]
) -> None:
    kind, namespace, name = what
    scope = ["-n", namespace] if namespace else []
    live = kubectl("get", kind, name, *scope, "-o", "yaml").stdout
    manifest = tmp_path / "live.yaml"
    manifest.write_text(live)
    result = kubectl("diff", "-f", str(manifest), check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = kubectl("diff", "--server-side", "--force-conflicts", "-f", str(manifest), check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_diff_of_an_applied_manifest_then_a_change(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diffed\n  namespace: default\n"
        "data:\n  a: one\n"
    )
    kubectl("apply", "-f", str(manifest))
    assert kubectl("diff", "-f", str(manifest)).stdout == ""
    manifest.write_text(manifest.read_text().replace("a: one", "a: two"))
    changed = kubectl("diff", "-f", str(manifest), check=False)
    assert changed.returncode == 1
    assert "-  a: one" in changed.stdout and "+  a: two" in changed.stdout
    assert "resourceVersion" not in changed.stdout and "generation" not in changed.stdout
