"""`kubectl explain` reads the OpenAPI v3 schemas the server publishes: the field descriptions of
a real cluster (built-in kinds from the Kubernetes API, the Application's validated types, described in our own words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sim.helpers import Kubectl, MakeSim

EXPLAINED = [
    (
        "pods.spec.containers",
        [
            "KIND:       Pod",
            "FIELD: containers <[]Container>",
            "List of containers belonging to the pod.",
            "image\t<string>",
            "name\t<string> -required-",
        ],
    ),
    ("nodes", ["KIND:       Node", "Node is a worker node in Kubernetes.", "spec\t<NodeSpec>"]),
    (
        "deployments",
        [
            "GROUP:      apps",
            "KIND:       Deployment",
            "Deployment enables declarative updates for Pods and ReplicaSets.",
        ],
    ),
    ("namespaces", ["Namespace provides a scope for Names."]),
    ("secrets", ["Secret holds secret data of a certain type.", "stringData\t<map[string]string>"]),
    ("configmaps", ["ConfigMap holds configuration data for pods to consume."]),
    (
        "applications.spec",
        [
            "GROUP:      argoproj.io",
            "KIND:       Application",
            "What the Application should be",
            "syncPolicy\t<Object>",
        ],
    ),
]


@pytest.mark.parametrize(("what", "expected"), EXPLAINED, ids=[e[0] for e in EXPLAINED])
def test_explain_prints_the_real_descriptions(
    kubectl: Kubectl, what: str, expected: list[str]
) -> None:
    output = kubectl("explain", what).stdout
    for text in expected:
        assert text in output, output


def test_apply_still_validates_fields_on_the_server(make_sim: MakeSim, tmp_path: Path) -> None:
    kubectl = Kubectl(make_sim(), tmp_path)
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: explained\n  namespace: default\n"
        "data:\n  a: b\n"
    )
    assert "configmap/explained created" in kubectl("apply", "-f", str(manifest)).stdout
    manifest.write_text(manifest.read_text().replace("a: b", "a: c"))
    assert "configmap/explained configured" in kubectl("apply", "-f", str(manifest)).stdout
