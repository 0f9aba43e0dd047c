"""Preflight's Talos side: a talosconfig of this cluster, every node answering; else exit 2
before anything changes."""

from __future__ import annotations

from tests.fakes import Faults
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info, StageFailed, StageSucceeded
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName


def _preflight_error(h) -> str:
    (failed,) = [e for e in h.of(StageFailed) if e.stage is StageName.PREFLIGHT]
    return failed.error


def test_a_usable_talosconfig_and_every_node_answering_pass(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest(plan=(StageName.PREFLIGHT,)))
    assert result.exit_code == ExitCode.DONE
    (ok,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.PREFLIGHT]
    assert (
        "talosconfig valid (context vixens-dev, endpoints 192.168.111.160); "
        "3/3 nodes answer on Talos's API (installed)"
    ) in ok.summary


def test_no_talosconfig_for_a_live_cluster_stops_preflight(harness) -> None:
    h = harness()
    h.profile.talosconfig.unlink()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    error = _preflight_error(h)
    assert error.startswith(f"no talosconfig at {h.profile.talosconfig}: the etcd snapshot")
    assert "etcd_snapshot = false" in error
    assert "terraform destroy" not in h.world.calls


def test_a_talosconfig_of_another_cluster_stops_preflight(harness) -> None:
    h = harness()
    h.world.talosconfig_endpoint = "192.168.222.160:50000"
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    error = _preflight_error(h)
    assert "has endpoints 192.168.222.160:50000: not the profile's nodes" in error
    assert "terraform destroy" not in h.world.calls


def test_a_node_that_does_not_answer_stops_preflight(harness) -> None:
    h = harness()
    h.world.talos_modes["onyx"] = "unreachable"
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    error = _preflight_error(h)
    assert error.startswith("1/3 nodes do not answer on Talos's API (port 50000) at their VLAN")
    assert "onyx (192.168.111.164)" in error and "obsy" not in error
    assert "terraform destroy" not in h.world.calls


def test_with_no_cluster_the_nodes_are_asked_on_their_maintenance_address(harness) -> None:
    h = harness(prebuilt=False)
    h.world.talos_modes = dict.fromkeys(h.world.talos_modes, "maintenance")
    result = h.engine().run(RunRequest(plan=(StageName.PREFLIGHT,)))
    assert result.exit_code == ExitCode.DONE, result
    probes = [c for c in h.world.talos_calls if c.startswith("probe")]
    assert probes == [f"probe {n.maintenance_address}" for n in h.profile.nodes]
    (ok,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.PREFLIGHT]
    assert "3/3 nodes answer on Talos's API (maintenance)" in ok.summary


def test_a_profile_without_the_talos_api_says_what_is_not_done(harness) -> None:
    h = harness()
    h.profile = h.profile.model_copy(update={"talos_api": False})
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    assert h.world.talos_calls == []
    (ok,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.PREFLIGHT]
    assert ok.summary.endswith("warning: Talos API off")
    warned = [e.message for e in h.of(Info) if e.level == "warning"]
    assert any(
        w.startswith("Talos API off (profile: talos_api = false): no talosconfig") for w in warned
    )


def test_a_resume_past_the_destroy_does_not_ask_for_the_old_talosconfig(harness) -> None:
    """An apply interrupted half-way leaves resources in the state and no talosconfig yet: the
    resume's preflight must not take that for a live cluster without its talosconfig."""
    h = harness(Faults(fail_stage={StageName.APPLY: 1}))
    first = h.engine().run(RunRequest())
    assert first.exit_code != ExitCode.DONE
    h.profile.talosconfig.unlink(missing_ok=True)
    h.world.state.append("module.environment.local_file.kubeconfig")  # half an apply
    result = h.engine().run(RunRequest(resume=True))
    assert result.exit_code == ExitCode.DONE, result


# -- talosctl, where the configuration's provisioners run it (issue 12 point 3) ---------------

TALOS_MODULE = """
resource "null_resource" "node_reset_on_destroy" {
  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      # talosctl upgrade is not run here: a comment
      talosctl reset \\
        -n ${self.triggers.node_ip} --graceful=false --reboot --wait=false || echo "Warning"
    EOT
  }
}

resource "null_resource" "control_plane_upgrade" {
  provisioner "local-exec" {
    command = "export TALOSCONFIG=x; talosctl upgrade --nodes 1.2.3.4 --preserve=true"
  }
}
"""


def _with_talos_module(h) -> None:
    """The profile's Terraform directory calls a local module whose provisioners run
    talosctl, as the user's environments/dev calls modules/talos."""
    root = h.profile.terraform_dir
    (root / "main.tf").write_text('module "talos" {\n  source = "../modules/talos"\n}\n')
    module = root.parent / "modules" / "talos"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(TALOS_MODULE)


def test_talosctl_missing_from_terraforms_path_stops_preflight(harness) -> None:
    h = harness()
    _with_talos_module(h)
    h.world.tools = {}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    error = _preflight_error(h)
    assert error == (
        "talosctl is not on Terraform's PATH, and the configuration's provisioners run it: "
        "talosctl reset (modules/talos/main.tf:7), talosctl upgrade (modules/talos/main.tf:15); "
        "install talosctl >= 1.11.0 (the runbook's) on this host"
    )
    assert "terraform destroy" not in h.world.calls


def test_a_talosctl_older_than_the_runbooks_stops_preflight(harness) -> None:
    h = harness()
    _with_talos_module(h)
    h.world.tools = {"talosctl": "Client:\nTalos v1.10.7\n"}
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    assert _preflight_error(h).startswith(
        "talosctl 1.10.7 (/usr/local/bin/talosctl) is older than the 1.11.0 the procedure needs"
    )


def test_a_talosctl_at_the_runbooks_version_passes(harness) -> None:
    h = harness()
    _with_talos_module(h)
    result = h.engine().run(RunRequest(plan=(StageName.PREFLIGHT,)))
    assert result.exit_code == ExitCode.DONE
    (ok,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.PREFLIGHT]
    assert "talosctl v1.11.5 at /usr/local/bin/talosctl (>= 1.11.0; the provisioners run " in (
        ok.summary
    )


def test_a_configuration_that_never_runs_talosctl_does_not_need_it(harness) -> None:
    h = harness()
    h.world.tools = {}
    result = h.engine().run(RunRequest(plan=(StageName.PREFLIGHT,)))
    assert result.exit_code == ExitCode.DONE
    (ok,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.PREFLIGHT]
    assert "talosctl" not in ok.summary
