"""Resume after the profile changed: what changed is shown, nothing goes on without consent,
the stages it concerns are re-opened on purpose, and every wait says the true reason."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.core.test_engine_resume import counting_stages
from tests.fakes import Faults
from vixens_tui.core.cluster import AppInfo, ClusterSnapshot, NodeInfo
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info, Waiting
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.inputs import inputs_of, profile_change
from vixens_tui.core.names import StageName
from vixens_tui.core.node_verdict import nodes_verdict
from vixens_tui.core.profile import AppSpec, NodeSpec
from vixens_tui.core.profile_change import ProfileChanged


def _failed_at_secrets(harness):  # type: ignore[no-untyped-def]
    h = harness(Faults(fail_stage={StageName.SECRETS: 1}))
    assert h.engine().run(RunRequest()).exit_code != ExitCode.DONE
    return h


def test_a_new_run_records_its_inputs(harness) -> None:
    h = harness()
    h.engine().run(RunRequest())
    cp = h.state.load()
    assert cp is not None and cp.inputs == inputs_of(h.profile)


def test_a_changed_profile_is_listed_and_refused_without_consent(harness) -> None:
    h = _failed_at_secrets(harness)
    apps = (*h.profile.apps, AppSpec(name="grafana", namespace="monitoring"))
    h.profile = h.profile.model_copy(update={"kubernetes_version": "v1.35.0", "apps": apps})
    with pytest.raises(ProfileChanged) as refused:
        h.engine().prepare(RunRequest(resume=True))
    text = str(refused.value)
    assert "kubernetes_version: v1.34.0 -> v1.35.0" in text
    assert "apps: + grafana -> monitoring" in text
    assert "--accept-profile-change" in text
    assert refused.value.reopened == (
        StageName.APPLY,
        StageName.ARGOCD_SYNC,
        StageName.VALIDATE,
    )
    # Nothing was written: the checkpoint still holds the old inputs.
    cp = h.state.load()
    assert cp is not None and cp.inputs is not None
    assert cp.inputs["kubernetes_version"] == "v1.34.0"


def test_accepted_change_reopens_the_stages_it_concerns(harness) -> None:
    h = _failed_at_secrets(harness)
    apps = tuple(a for a in h.profile.apps if a.name != "homeassistant")
    h.profile = h.profile.model_copy(update={"apps": apps})
    runs: Counter[StageName] = Counter()
    h.events.clear()
    result = h.engine(stages=counting_stages(runs)).run(
        RunRequest(resume=True, accept_profile_change=True)
    )
    assert result.exit_code == ExitCode.DONE, result.message
    # argocd-sync was done, and is run again on purpose; apply and destroy were not touched.
    assert runs[StageName.ARGOCD_SYNC] == 1
    assert runs[StageName.APPLY] == 0 and runs[StageName.DESTROY] == 0
    said = [e.message for e in h.of(Info) if isinstance(e, Info)]
    assert "profile changed: apps: - homeassistant -> homeassistant" in said
    assert any(m.startswith("accepted; stages re-opened: argocd-sync, validate") for m in said)
    cp = h.state.load()
    assert cp is not None and cp.inputs == inputs_of(h.profile)


def test_another_cluster_is_never_resumed_even_when_accepted(harness) -> None:
    h = _failed_at_secrets(harness)
    h.profile = h.profile.model_copy(
        update={"api_endpoint": type(h.profile.api_endpoint)("https://10.0.0.1:6443")}
    )
    with pytest.raises(ProfileChanged) as refused:
        h.engine().prepare(RunRequest(resume=True, accept_profile_change=True))
    assert refused.value.refused
    assert "names another cluster (api_endpoint)" in str(refused.value)


def test_settings_alone_are_no_change_to_ask_about(harness) -> None:
    h = _failed_at_secrets(harness)
    h.profile = h.profile.model_copy(update={"wait_progress_s": 0.3})
    h.events.clear()
    result = h.engine().run(RunRequest(resume=True))
    assert result.exit_code == ExitCode.DONE
    said = [e.message for e in h.of(Info) if isinstance(e, Info)]
    assert any("settings" in m and "changed" in m for m in said)


def test_a_run_recorded_before_inputs_asks_without_details(harness) -> None:
    h = _failed_at_secrets(harness)
    cp = h.state.load()
    assert cp is not None
    cp.inputs = None  # as a schema-1 checkpoint
    cp.profile_digest = "0000000000000000"
    h.state.save(cp)
    change = profile_change(None, h.profile, digest_changed=True)
    assert change is not None and change.unknown
    with pytest.raises(ProfileChanged, match="cannot be listed"):
        h.engine().prepare(RunRequest(resume=True))


def test_a_changed_version_waits_with_the_true_reason(harness) -> None:
    # The trial: a changed Kubernetes version, then a wait that said "0/5 Ready" of nodes that
    # were Ready at another version, for 45 minutes.
    h = _failed_at_secrets(harness)
    timeouts = {**h.profile.timeouts_s, StageName.APPLY: 1.5}
    h.profile = h.profile.model_copy(
        update={"kubernetes_version": "v1.33.4", "timeouts_s": timeouts}
    )
    h.events.clear()
    result = h.engine().run(RunRequest(resume=True, accept_profile_change=True))
    assert result.exit_code != ExitCode.DONE
    waits = [
        e.detail for e in h.of(Waiting) if isinstance(e, Waiting) and e.stage is StageName.APPLY
    ]
    assert waits, "the re-opened apply waited for the nodes"
    assert waits[-1] == "3/3 Ready, at v1.34.0 where v1.33.4 is expected (same minor)"


def _node(name: str, *, ready: bool = True, version: str = "v1.34.0") -> NodeInfo:
    return NodeInfo(name=name, ready=ready, version=version, roles=("control-plane",))


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        (
            [_node(n) for n in "abcde"],
            "5/5 Ready, at v1.34.0 where v1.33.4 is expected (same minor)",
        ),
        (
            [_node("a"), _node("b", version="v1.33.4"), _node("c", ready=False)],
            "2/3 Ready, c NotReady, a, c at v1.34.0 where v1.33.4 is expected (same minor)",
        ),
        (
            [_node("a", version="v1.33.4")],
            "1/3 Ready, b, c not joined",
        ),
    ],
)
def test_the_node_verdict_tells_ready_and_version_apart(
    nodes: list[NodeInfo], expected: str
) -> None:
    names = [n.name for n in nodes] if len(nodes) == 5 else ["a", "b", "c"]
    snap = ClusterSnapshot(reachable=True, nodes=tuple(nodes))
    ok, detail = nodes_verdict(snap, [NodeSpec(name=n) for n in names], "v1.33.4")
    assert not ok
    assert detail == expected


def test_the_profile_asks_for_the_minor_by_default_and_the_role_is_checked() -> None:
    """The user's Talos module never passes its Kubernetes version: the patch is Talos's
    choice. A control plane without its role is named."""
    specs = [NodeSpec(name=n) for n in "abc"]
    snap = ClusterSnapshot(reachable=True, nodes=tuple(_node(n, version="v1.34.1") for n in "abc"))
    assert nodes_verdict(snap, specs, "v1.34.0") == (
        True,
        "3/3 nodes Ready at v1.34.1 (v1.34.0 asked, same minor)",
    )
    assert nodes_verdict(snap, specs, "v1.34") == (
        True,
        "3/3 nodes Ready at v1.34.1 (v1.34 asked, same minor)",
    )
    ok, detail = nodes_verdict(snap, specs, "v1.34.0", "patch")
    assert not ok and detail == "3/3 Ready, at v1.34.1 where v1.34.0 is expected (same patch)"
    assert nodes_verdict(snap, specs, "v1.35.0")[0] is False
    roleless = ClusterSnapshot(
        reachable=True,
        nodes=(*(_node(n) for n in "ab"), NodeInfo(name="c", ready=True, version="v1.34.0")),
    )
    ok, detail = nodes_verdict(roleless, specs, "v1.34.0")
    assert not ok and detail == "3/3 Ready, c without the control-plane role"
    workers = [NodeSpec(name="c", role="worker")]
    assert nodes_verdict(roleless, workers, "v1.34.0")[0] is True


def test_node_changes_are_listed_by_name(harness) -> None:
    h = _failed_at_secrets(harness)
    nodes = (*h.profile.nodes, NodeSpec(name="onyx2", ip="192.168.111.165"))
    changed = h.profile.model_copy(update={"nodes": nodes})
    cp = h.state.load()
    assert cp is not None
    change = profile_change(cp.inputs, changed, digest_changed=True)
    assert change is not None
    assert change.lines() == ("nodes: + onyx2 (control-plane, 192.168.111.165)",)


def test_an_app_the_repository_does_not_declare_is_named_as_such(harness) -> None:
    # A profile ahead of the GitOps repository: the root app has synced, the app never comes.
    h = _failed_at_secrets(harness)
    root = h.profile.argocd.root_app
    h.world.apps[root] = AppInfo(
        name=root, namespace="argocd", sync="Synced", health="Healthy", destination_namespace=""
    )
    apps = (*h.profile.apps, AppSpec(name="grafana", namespace="monitoring"))
    timeouts = {**h.profile.timeouts_s, StageName.ARGOCD_SYNC: 1.5}
    h.profile = h.profile.model_copy(update={"apps": apps, "timeouts_s": timeouts})
    h.events.clear()
    result = h.engine().run(RunRequest(resume=True, accept_profile_change=True))
    assert result.exit_code != ExitCode.DONE
    waits = [
        e.detail
        for e in h.of(Waiting)
        if isinstance(e, Waiting) and e.stage is StageName.ARGOCD_SYNC
    ]
    assert waits and waits[-1] == (
        f"12/13 present; missing grafana: absent although {root} is Synced "
        f"(not declared in the GitOps repository?)"
    )


def test_the_certificates_to_wait_for_are_an_input_of_the_validation(harness) -> None:
    h = _failed_at_secrets(harness)
    validation = h.profile.validation.model_copy(
        update={
            "certificates": (
                *h.profile.validation.certificates,
                "mail-gateway/mail-gateway-tls-dev",
            )
        }
    )
    h.profile = h.profile.model_copy(update={"validation": validation})
    with pytest.raises(ProfileChanged) as refused:
        h.engine().prepare(RunRequest(resume=True))
    assert "+ certificate mail-gateway/mail-gateway-tls-dev" in str(refused.value)
    assert refused.value.reopened == (StageName.VALIDATE,)
