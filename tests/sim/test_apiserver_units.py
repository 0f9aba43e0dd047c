"""The API server's pure parts: selectors, patches, protobuf, tables, fault specs."""

from __future__ import annotations

import pytest

from vixens_tui.sim.apiserver.patch import (
    PatchError,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from vixens_tui.sim.apiserver.protobuf import ProtobufError, decode
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector, SelectorError
from vixens_tui.sim.apiserver.tables import human_duration, jsonpath
from vixens_tui.sim.faults import FaultError, Faults

LABELS = {"app": "web", "tier": "front", "env": "dev"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app!=web", False),
        ("app in (web, api)", True),
        ("app notin (web,api)", False),
        ("tier", True),
        ("!tier", False),
        ("!missing", True),
        ("app=web,env in (dev),!missing", True),
        ("app=web,env=prod", False),
    ],
)
def test_label_selector(selector: str, expected: bool) -> None:
    assert LabelSelector.parse(selector).matches(LABELS) is expected


@pytest.mark.parametrize("bad", ["a in (b", "=x", "a in b"])
def test_bad_label_selector(bad: str) -> None:
    with pytest.raises(SelectorError):
        LabelSelector.parse(bad)


def test_field_selector() -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "status": {"phase": "Running"}, "spec": {}}
    assert FieldSelector.parse("status.phase=Running").matches(pod)
    assert FieldSelector.parse("status.phase==Running,metadata.namespace=ns").matches(pod)
    assert not FieldSelector.parse("status.phase!=Running").matches(pod)
    assert FieldSelector.parse("spec.nodeName=").matches(pod)
    assert FieldSelector.parse("metadata.name=p").exact_name() == "p"
    with pytest.raises(SelectorError):
        FieldSelector.parse("status.phase")


def test_merge_patch() -> None:
    target = {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    assert merge_patch(target, {"a": {"b": None, "d": 3}, "l": [3]}) == {
        "a": {"c": 2, "d": 3},
        "l": [3],
    }
    assert target == {"a": {"b": 1, "c": 2}, "l": [1, 2]}


def test_strategic_merge_patch_directives() -> None:
    target = {
        "spec": {
            "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}],
            "finalizers": ["x"],
            "volumes": [{"name": "v"}],
        },
        "metadata": {"annotations": {"k": "v", "drop": "me"}},
    }
    patch = {
        "spec": {
            "containers": [{"name": "b", "$patch": "delete"}, {"name": "c", "image": "c:1"}],
            "$setElementOrder/containers": [{"name": "a"}, {"name": "c"}],
            "finalizers": ["y"],
            "volumes": [{"$patch": "replace"}, {"name": "w"}],
        },
        "metadata": {"annotations": {"drop": None}},
    }
    result = strategic_merge_patch(target, patch)
    assert [c["name"] for c in result["spec"]["containers"]] == ["a", "c"]
    assert result["spec"]["finalizers"] == ["x", "y"]
    assert result["spec"]["volumes"] == [{"name": "w"}]
    assert result["metadata"]["annotations"] == {"k": "v"}
    assert "$setElementOrder/containers" not in result["spec"]


def test_json_patch() -> None:
    doc = {"a": [1, 2], "b": {"c": 1}}
    ops = [
        {"op": "add", "path": "/a/-", "value": 3},
        {"op": "remove", "path": "/a/0"},
        {"op": "replace", "path": "/b/c", "value": 2},
        {"op": "copy", "from": "/b/c", "path": "/d"},
        {"op": "move", "from": "/d", "path": "/e"},
        {"op": "test", "path": "/e", "value": 2},
        {"op": "add", "path": "/b/x~1y", "value": True},
    ]
    assert json_patch(doc, ops) == {"a": [2, 3], "b": {"c": 2, "x/y": True}, "e": 2}
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "test", "path": "/b/c", "value": 9}])
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "remove", "path": "/nope"}])


def _field(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_protobuf_namespace_envelope() -> None:
    type_meta = _field(1, b"v1") + _field(2, b"Namespace")
    labels = _field(11, _field(1, b"team") + _field(2, b"infra"))
    metadata = _field(1, b"sandbox") + labels
    raw = _field(1, metadata) + _field(2, b"")
    body = b"k8s\x00" + _field(1, type_meta) + _field(2, raw)
    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "sandbox", "labels": {"team": "infra"}},
        "spec": {},
    }
    with pytest.raises(ProtobufError):
        decode(b"{}")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (150, "2m30s"),
        (600, "10m"),
        (2700, "45m"),
        (3 * 3600 + 120, "3h2m"),
        (9 * 3600, "9h"),
        (3 * 86400, "3d"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_jsonpath_of_printer_columns() -> None:
    cert = {
        "status": {
            "conditions": [
                {"type": "Issuing", "status": "True"},
                {"type": "Ready", "status": "False"},
            ]
        }
    }
    assert jsonpath(cert, '.status.conditions[?(@.type=="Ready")].status') == "False"
    assert jsonpath(cert, ".spec.secretName") is None


def test_fault_specs() -> None:
    faults = Faults.parse(["cilium-destroy-timeout,repo-server-eof", "api-flaky=0.3"])
    assert faults.names() == ("cilium-destroy-timeout", "repo-server-eof", "api-flaky")
    assert faults.flaky_rate == 0.3
    assert Faults.parse(["api-flaky"]).flaky_rate == 0.1
    for bad in (["nope"], ["api-flaky=2"], ["repo-server-eof=1"], ["api-flaky=x"]):
        with pytest.raises(FaultError):
            Faults.parse(bad)
