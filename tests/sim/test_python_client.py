"""The same operations through the `kubernetes` client 37 (strict models), as the product's
backend makes them: lists of every kind deserialize, writes behave, watches resume and expire."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from tests.sim.helpers import REBUILD_SPEED, MakeSim, api_client, stream_events, wait_for
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.cluster import SimCluster


@pytest.fixture
def core(built: SimCluster, tmp_path: Path) -> client.CoreV1Api:
    return client.CoreV1Api(api_client(built, tmp_path))


def test_every_list_deserializes_into_the_strict_models(core: client.CoreV1Api) -> None:
    assert len(core.list_node().items) == 3
    pods = core.list_pod_for_all_namespaces().items
    assert len(pods) >= 32
    for pod in pods:
        assert (
            pod.metadata.uid and pod.metadata.creation_timestamp and pod.metadata.resource_version
        )
        assert pod.status.container_statuses and pod.status.container_statuses[0].image_id
    assert {ns.metadata.name for ns in core.list_namespace().items} >= {
        "kube-system",
        "argocd",
        "cert-manager",
    }
    assert core.list_event_for_all_namespaces().items
    assert core.list_service_for_all_namespaces().items
    assert core.list_secret_for_all_namespaces().items
    assert core.list_config_map_for_all_namespaces().items
    assert core.list_persistent_volume_claim_for_all_namespaces().items
    node = core.read_node("obsy")
    assert node.status.node_info.kubelet_version == "v1.34.0"
    assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def test_selectors(core: client.CoreV1Api) -> None:
    running = core.list_pod_for_all_namespaces(field_selector="status.phase=Running").items
    assert len(running) >= 32
    assert not core.list_pod_for_all_namespaces(field_selector="status.phase!=Running").items
    repo = core.list_namespaced_pod(
        "argocd", label_selector="app.kubernetes.io/name=argocd-repo-server"
    ).items
    assert len(repo) == 1
    two = core.list_namespaced_pod(
        "argocd", label_selector="app.kubernetes.io/name in (argocd-repo-server, argocd-server)"
    ).items
    assert len(two) == 2
    others = core.list_namespaced_pod(
        "argocd", label_selector="app.kubernetes.io/name notin (argocd-redis)"
    ).items
    assert len(others) == 6
    assert core.list_namespaced_pod("kube-system", label_selector="component").items
    assert not core.list_namespaced_pod(
        "kube-system", label_selector="!k8s-app,!component,!io.cilium/app"
    ).items
    on_obsy = core.list_pod_for_all_namespaces(
        field_selector="spec.nodeName=obsy,metadata.namespace=kube-system"
    )
    assert on_obsy.items and all(p.spec.node_name == "obsy" for p in on_obsy.items)


def test_custom_objects(built: SimCluster, tmp_path: Path) -> None:
    custom = client.CustomObjectsApi(api_client(built, tmp_path))
    apps = custom.list_namespaced_custom_object(
        "argoproj.io", "v1alpha1", "argocd", "applications"
    )["items"]
    app = next(a for a in apps if a["metadata"]["name"] == "cert-manager")
    assert app["status"]["sync"]["status"] == "Synced"
    assert app["status"]["health"]["status"] == "Healthy"
    assert len(app["status"]["sync"]["revision"]) == 40
    assert app["status"]["operationState"]["phase"] == "Succeeded"
    certs = custom.list_cluster_custom_object("cert-manager.io", "v1", "certificates")["items"]
    ready = {
        c["metadata"]["name"]: c["status"]["conditions"][0]["status"]
        for c in certs
        if c["metadata"]["name"] != "mail-gateway-tls-dev"  # its ClusterIssuer does not exist
    }
    assert ready and set(ready.values()) == {"True"}
    issuers = custom.list_cluster_custom_object("cert-manager.io", "v1", "clusterissuers")["items"]
    assert {i["metadata"]["name"] for i in issuers} == {"letsencrypt-prod", "letsencrypt-staging"}


def test_writes_conflicts_and_errors(make_sim: MakeSim, tmp_path: Path) -> None:
    core = client.CoreV1Api(api_client(make_sim(), tmp_path))
    with pytest.raises(ApiException) as exists:
        core.create_namespace({"metadata": {"name": "kube-system"}})
    assert exists.value.status == 409
    namespace = core.create_namespace({"metadata": {"name": "cert-manager-two"}})
    assert namespace.status.phase == "Active"
    with pytest.raises(ApiException) as invalid:
        core.create_namespace({"metadata": {"name": "Not_A_Name"}})
    assert invalid.value.status == 422
    with pytest.raises(ApiException) as missing_ns:
        core.create_namespaced_secret(
            "nowhere", {"metadata": {"name": "s"}, "stringData": {"a": "b"}}
        )
    assert missing_ns.value.status == 404
    secret = core.create_namespaced_secret(
        "cert-manager-two", {"metadata": {"name": "s"}, "stringData": {"api-token": "t0k3n"}}
    )
    assert secret.data == {"api-token": "dDBrM24="} and secret.type == "Opaque"
    stale = secret.metadata.resource_version
    secret.data = {"api-token": "bmV3"}
    updated = core.replace_namespaced_secret("s", "cert-manager-two", secret)
    assert updated.metadata.resource_version != stale
    secret.metadata.resource_version = stale
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_secret("s", "cert-manager-two", secret)
    assert conflict.value.status == 409
    dry = core.create_namespaced_config_map(
        "cert-manager-two", {"metadata": {"name": "dry"}, "data": {"a": "b"}}, dry_run="All"
    )
    assert dry.metadata.name == "dry"
    with pytest.raises(ApiException) as not_created:
        core.read_namespaced_config_map("dry", "cert-manager-two")
    assert not_created.value.status == 404
    core.delete_namespaced_secret("s", "cert-manager-two")
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_secret("s", "cert-manager-two")
    assert gone.value.status == 404


def test_delete_pods_by_label_and_the_replacement(make_sim: MakeSim, tmp_path: Path) -> None:
    core = client.CoreV1Api(api_client(make_sim(), tmp_path))
    selector = "app.kubernetes.io/name=argocd-repo-server"
    old = {
        p.metadata.name for p in core.list_namespaced_pod("argocd", label_selector=selector).items
    }
    core.delete_collection_namespaced_pod("argocd", label_selector=selector)

    def replacement_ready() -> bool:
        pods = core.list_namespaced_pod("argocd", label_selector=selector).items
        fresh = [p for p in pods if p.metadata.name not in old]
        return any(
            p.status.phase == "Running" and all(c.ready for c in p.status.container_statuses)
            for p in fresh
        )

    wait_for(replacement_ready, what="a new repo-server pod Ready")


def test_watch_resumes_and_expires(make_sim: MakeSim, tmp_path: Path) -> None:
    sim = make_sim()
    api = api_client(sim, tmp_path)
    core = client.CoreV1Api(api)
    listed = core.list_namespaced_config_map("default")
    core.create_namespaced_config_map(
        "default", {"metadata": {"name": "first"}, "data": {"k": "1"}}
    )
    core.patch_namespaced_config_map("first", "default", {"data": {"k": "2"}})
    core.delete_namespaced_config_map("first", "default")
    seen = []
    watcher = watch.Watch()
    for event in watcher.stream(
        core.list_namespaced_config_map,
        "default",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=5,
    ):
        seen.append(
            (event["type"], event["object"].metadata.name, (event["object"].data or {}).get("k"))
        )
        if len(seen) == 3:
            watcher.stop()
    assert seen == [
        ("ADDED", "first", "1"),
        ("MODIFIED", "first", "2"),
        ("DELETED", "first", "2"),
    ]
    sim.store.compact()
    with pytest.raises(ApiException) as expired:
        for _ in watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=1,
        ):
            pass
    assert expired.value.status == 410


def test_watch_list_ends_its_initial_events_with_a_bookmark(built: SimCluster) -> None:
    query = "watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=10"
    events = stream_events(built, f"/api/v1/nodes?{query}", until=lambda e: e["type"] == "BOOKMARK")
    assert [e["type"] for e in events[:3]] == ["ADDED", "ADDED", "ADDED"]
    bookmark = events[3]
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_lists_deserialize_through_a_whole_rebuild(make_sim: MakeSim, tmp_path: Path) -> None:
    """Pending, unschedulable, ContainerCreating, Terminating pods, NotReady nodes, apps in every
    state: each list along the way fits the strict models."""
    sim = make_sim(scenario="rebuild", speed=REBUILD_SPEED)
    for node in sim.profile.nodes:
        sim.hook("talos-config", node.name)
    for action in ("bootstrap", "cilium-install", "argocd-install"):
        sim.hook(action)
    wait_for(lambda: sim.api_available, what="the API")
    api = api_client(sim, tmp_path)
    core = client.CoreV1Api(api)
    custom = client.CustomObjectsApi(api)
    phases: set[str] = set()
    deleted = False
    while not sim.scenario.stable():
        pods = core.list_pod_for_all_namespaces().items
        phases |= {p.status.phase for p in pods}
        core.list_node()
        core.list_event_for_all_namespaces()
        core.list_persistent_volume_claim_for_all_namespaces()
        custom.list_namespaced_custom_object("argoproj.io", "v1alpha1", "argocd", "applications")
        if not deleted and any(p.metadata.namespace == "whoami" for p in pods):
            core.delete_collection_namespaced_pod("whoami")
            deleted = True
        # The Secret the CSI pods mount (the dev profile's [secrets.synology]).
        if sim.store.get(kinds.NAMESPACE, "", "synology-csi") and not sim.store.get(
            kinds.SECRET, "synology-csi", "client-info-secret"
        ):
            core.create_namespaced_secret(
                "synology-csi",
                {
                    "metadata": {"name": "client-info-secret"},
                    "stringData": {"client-info.yml": "x"},
                },
            )
        if sim.store.get(kinds.NAMESPACE, "", "cert-manager") and not sim.store.get(
            kinds.SECRET, "cert-manager", "gandi-credentials"
        ):
            core.create_namespaced_secret(
                "cert-manager",
                {"metadata": {"name": "gandi-credentials"}, "stringData": {"api-token": "t"}},
            )
    assert {"Pending", "Running"} <= phases
