"""The checklist's version items: what the cluster runs against what the procedure promises
(Talos v1.11.5, Cilium v1.18.3 with Hubble, Argo CD chart 7.7.7 with its root app), read as
the real objects show it: osImage "Talos (v1.11.5)", images with a digest, argo-helm's
`helm.sh/chart` label."""

from __future__ import annotations

from vixens_tui.core.built_versions import image_tag
from vixens_tui.core.checklist import Observation, item
from vixens_tui.core.cluster import AppInfo, ClusterSnapshot, NodeInfo, PodInfo
from vixens_tui.core.profile import Profile, load_profile

DEV = load_profile("dev")
CILIUM = "quay.io/cilium/cilium:v1.18.3@sha256:5649db451c88d928ea585514746d50d91e6210801b300c897283ea319d68de15"


def _nodes(*images: str) -> tuple[NodeInfo, ...]:
    names = ("obsy", "onyx", "opale")
    return tuple(
        NodeInfo(n, True, ("control-plane",), "v1.34.0", os_image=i)
        for n, i in zip(names, images, strict=False)
    )


def _agent(n: int, image: str = CILIUM) -> PodInfo:
    return PodInfo(
        "kube-system", f"cilium-{n}", "Running", 1, 1, labels={"k8s-app": "cilium"}, images=(image,)
    )


def _hubble(name: str, ready: int = 1) -> PodInfo:
    phase = "Running" if ready else "Pending"
    return PodInfo("kube-system", f"{name}-7d9f8-x2x4q", phase, ready, 1, labels={"k8s-app": name})


def _argocd(name: str, chart: str = "argo-cd-7.7.7") -> PodInfo:
    return PodInfo("argocd", name, "Running", 1, 1, labels={"helm.sh/chart": chart})


def _observe(snapshot: ClusterSnapshot, profile: Profile = DEV) -> Observation:
    return Observation(profile, snapshot, {}, {})


def _probe(item_id: str, snapshot: ClusterSnapshot, profile: Profile = DEV) -> tuple[bool, str]:
    return item(item_id).probe(_observe(snapshot, profile))


def test_image_tags_are_read_through_digests_and_registry_ports() -> None:
    assert image_tag(CILIUM) == "v1.18.3"
    assert image_tag("registry.local:5000/cilium/cilium:v1.18.3") == "v1.18.3"
    assert image_tag("registry.local:5000/cilium/cilium@sha256:abc") == ""


def test_talos_is_proved_per_node_from_its_os_image() -> None:
    good = ClusterSnapshot(reachable=True, nodes=_nodes(*["Talos (v1.11.5)"] * 3))
    assert _probe("talos-version", good) == (
        True,
        "3/3 nodes run Talos v1.11.5 (obsy, onyx, opale: osImage)",
    )
    one_behind = ClusterSnapshot(
        reachable=True, nodes=_nodes("Talos (v1.11.5)", "Talos (v1.11.3)", "Talos (v1.11.5)")
    )
    assert _probe("talos-version", one_behind) == (
        False,
        "expected Talos v1.11.5 (versions.talos): onyx runs v1.11.3",
    )
    missing = ClusterSnapshot(reachable=True, nodes=_nodes("Talos (v1.11.5)", "Talos (v1.11.5)"))
    assert _probe("talos-version", missing) == (False, "node opale not in the cluster")


def test_cilium_needs_its_version_and_hubble() -> None:
    agents = tuple(_agent(i) for i in range(3))
    hubble = (_hubble("hubble-relay"), _hubble("hubble-ui"))
    ok, evidence = _probe("cilium-version", ClusterSnapshot(reachable=True, pods=agents + hubble))
    assert ok and evidence == "3 agents run v1.18.3; hubble-relay 1/1 ready; hubble-ui 1/1 ready"

    older = (*agents[:2], _agent(2, CILIUM.replace("v1.18.3", "v1.17.9")))
    ok, evidence = _probe("cilium-version", ClusterSnapshot(reachable=True, pods=older + hubble))
    assert not ok
    assert evidence.startswith(
        "expected Cilium v1.18.3 (versions.cilium); 3 agents run v1.18.3 (2), v1.17.9 (1)"
    )

    no_relay = (_hubble("hubble-relay", ready=0), _hubble("hubble-ui"))
    ok, evidence = _probe("cilium-version", ClusterSnapshot(reachable=True, pods=agents + no_relay))
    assert not ok and evidence.startswith("Hubble not running: hubble-relay 0/1 ready")
    ok, evidence = _probe("cilium-version", ClusterSnapshot(reachable=True, pods=agents))
    assert not ok and "hubble-relay 0/0 ready, hubble-ui 0/0 ready" in evidence

    # A profile without Hubble does not ask for it.
    data = DEV.model_dump()
    data["validation"]["hubble_selectors"] = []
    bare = Profile.model_validate(data)
    assert _probe("cilium-version", ClusterSnapshot(reachable=True, pods=agents), bare) == (
        True,
        "3 agents run v1.18.3",
    )


def test_argocd_needs_its_chart_and_a_healthy_root_app() -> None:
    pods = (_argocd("argocd-server-5d8b9"), _argocd("argocd-repo-server-7c9f"))
    apps = tuple(AppInfo(a.name, "argocd", "Synced", "Healthy") for a in DEV.apps)
    root = AppInfo("vixens-app-of-apps", "argocd", "Synced", "Healthy")
    ok, evidence = _probe(
        "argocd-version", ClusterSnapshot(reachable=True, pods=pods, apps=(root, *apps))
    )
    assert ok and evidence == (
        "2 pods from chart argo-cd 7.7.7; root app vixens-app-of-apps Synced/Healthy managing 12 applications"
    )

    ok, evidence = _probe("argocd-version", ClusterSnapshot(reachable=True, pods=pods, apps=apps))
    assert not ok and "root app vixens-app-of-apps missing" in evidence

    out_of_sync = AppInfo("vixens-app-of-apps", "argocd", "OutOfSync", "Healthy")
    ok, evidence = _probe(
        "argocd-version", ClusterSnapshot(reachable=True, pods=pods, apps=(out_of_sync, *apps))
    )
    assert not ok and "root app vixens-app-of-apps OutOfSync/Healthy" in evidence

    newer = (_argocd("argocd-server-5d8b9", "argo-cd-7.8.0"),)
    ok, evidence = _probe(
        "argocd-version", ClusterSnapshot(reachable=True, pods=newer, apps=(root, *apps))
    )
    assert not ok and evidence.startswith(
        "expected chart 7.7.7 (versions.argocd_chart); 1 pods from chart argo-cd 7.8.0"
    )

    ok, evidence = _probe("argocd-version", ClusterSnapshot(reachable=True, apps=(root, *apps)))
    assert not ok and evidence == "no pod in argocd labelled helm.sh/chart=argo-cd-…"


def test_versions_the_profile_leaves_empty_are_shown_not_judged() -> None:
    data = DEV.model_dump()
    data["versions"] = {}
    any_version = Profile.model_validate(data)
    snap = ClusterSnapshot(reachable=True, nodes=_nodes(*["Talos (v1.12.0)"] * 3))
    assert _probe("talos-version", snap, any_version) == (
        True,
        "Talos on 3 nodes: v1.12.0 (versions.talos not set)",
    )
    assert (
        item("talos-version").title(any_version)
        == "Talos (any version) runs on the 3 control planes"
    )


def test_the_titles_say_the_runbooks_figures() -> None:
    assert item("talos-version").procedure(DEV) == "3 control planes Talos v1.11.5"
    assert (
        item("cilium-version").procedure(DEV) == "Cilium v1.18.3 (CNI + L2 Announcements + Hubble)"
    )
    assert (
        item("argocd-version").procedure(DEV)
        == "ArgoCD v7.7.7 (avec root-app) gérant 12 applications"
    )
