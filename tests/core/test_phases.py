from __future__ import annotations

from vixens_tui.core.profile import load_profile
from vixens_tui.core.terraform_listener import phase_of

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


def test_the_21_addresses_of_the_real_configuration_map_to_phases_in_order() -> None:
    """Every resource the user's configuration creates (the demo runs it), in Terraform's
    creation order: the phases only go forward, the four of the procedure are all met."""
    from tests.fakes import addresses_for

    names = [name(a) for a in addresses_for(load_profile("dev"))]
    assert len(names) == 21
    t = "module.environment.module.talos_cluster"
    assert name(f'{t}.talos_machine_configuration_apply.control_plane["onyx"]') == (
        "Talos configuration"
    )
    assert name(f'{t}.null_resource.node_reset_on_destroy["onyx"]') == "Talos configuration"
    assert name("module.environment.local_file.kubeconfig") == "Bootstrap"
    assert name("module.environment.module.cilium.kubectl_manifest.cilium_ip_pool") == (
        "Cilium CNI"
    )
    assert name("module.environment.module.argocd.kubectl_manifest.argocd_root_app") == "Argo CD"
    seen = [n for n in names if n is not None]
    order = [p.name for p in PHASES]
    assert sorted(set(seen), key=order.index) == order
