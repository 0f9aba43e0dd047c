from __future__ import annotations

from vixens_tui.core.profile import load_profile
from vixens_tui.core.stages.terraform_io import phase_of

PHASES = load_profile("dev").apply_phases


def name(address: str) -> str | None:
    index = phase_of(address, PHASES)
    return None if index is None else PHASES[index].name


def test_real_addresses_map_to_the_procedures_phases() -> None:
    t = "module.environment.module.talos"
    assert name(f"{t}.talos_machine_secrets.this") == "Talos configuration"
    assert (
        name(f'{t}.talos_machine_configuration_apply.controlplane["obsy"]') == "Talos configuration"
    )
    assert name(f"{t}.talos_machine_bootstrap.this") == "Bootstrap"
    assert name(f"{t}.talos_cluster_kubeconfig.this") == "Bootstrap"
    assert name("module.environment.module.cilium.helm_release.cilium") == "Cilium CNI"
    assert name("module.environment.module.argocd.helm_release.argocd") == "Argo CD"
    assert name("random_id.x") is None


def test_demo_addresses_map_to_the_same_phases() -> None:
    t = "module.environment.module.talos"
    assert (
        name(f'{t}.terraform_data.talos_machine_configuration_apply["onyx"]')
        == "Talos configuration"
    )
    assert name(f"{t}.terraform_data.talos_machine_bootstrap") == "Bootstrap"
    assert name("module.environment.terraform_data.kubeconfig") == "Bootstrap"
    assert name("module.environment.terraform_data.talosconfig") == "Bootstrap"
    assert name("module.environment.module.cilium.terraform_data.cilium") == "Cilium CNI"
