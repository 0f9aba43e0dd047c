"""The versions the simulated cluster runs come from the Terraform configuration it is built
with, not from the profile: the checklist's version items then compare the two, as on the
real cluster."""

from __future__ import annotations

from tests.sim.helpers import MakeSim
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.versions import BuiltVersions


def test_the_demo_runs_the_versions_of_the_users_configuration() -> None:
    # terraform.tfvars: talos_image "factory.talos.dev/installer/…:v1.11.5"; modules/shared/
    # locals.tf: chart_versions cilium "1.18.3", argocd "7.7.7".
    versions = BuiltVersions.of_repository()
    assert versions == BuiltVersions(talos="v1.11.5", cilium_chart="1.18.3", argocd_chart="7.7.7")
    assert (versions.cilium_tag, versions.argocd_image_tag) == ("v1.18.3", "v2.13.1")


def test_the_cluster_shows_the_versions_it_was_built_with(make_sim: MakeSim) -> None:
    built = BuiltVersions(talos="v1.11.3", cilium_chart="1.17.9", argocd_chart="7.8.0")
    sim = make_sim(versions=built)
    with sim.store.lock:
        nodes = sim.store.list(kinds.NODE)
        pods = sim.store.list(kinds.POD)
    assert {n["status"]["nodeInfo"]["osImage"] for n in nodes} == {"Talos (v1.11.3)"}
    agents = [p for p in pods if p["metadata"]["labels"].get("k8s-app") == "cilium"]
    assert agents and {p["spec"]["containers"][0]["image"] for p in agents} == {
        "quay.io/cilium/cilium:v1.17.9"
    }
    argocd = [p for p in pods if p["metadata"]["namespace"] == "argocd"]
    assert argocd and {p["metadata"]["labels"]["helm.sh/chart"] for p in argocd} == {
        "argo-cd-7.8.0"
    }
