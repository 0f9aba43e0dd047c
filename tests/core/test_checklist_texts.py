"""The checklist names the profile's own figures: node count, minimum of pods, Argo CD address,
secret names. The procedure's "Les 3 nodes", "Au moins 32 pods" and http://192.168.208.71 are
dev's figures, not every environment's."""

from __future__ import annotations

from vixens_tui.core.checklist import CHECKLIST, item
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.profile import HttpCheck, NodeSpec, Profile, load_profile


def _five_nodes(base: Profile) -> Profile:
    nodes = tuple(NodeSpec(name=f"n{i}", ip=f"10.1.2.{10 + i}") for i in range(5))
    argocd = HttpCheck(name="argocd", url="http://10.1.2.3", method="HEAD")  # type: ignore[arg-type]
    checks = (argocd, *(c for c in base.http_checks if c.name != "argocd"))
    return base.model_copy(
        update={
            "nodes": nodes,
            "http_checks": checks,
            "validation": base.validation.model_copy(update={"min_running_pods": 40}),
            "secrets": base.secrets.model_copy(
                update={
                    "synology": base.secrets.synology.model_copy(update={"name": "client-info"})
                }
            ),
        }
    )


def test_dev_reads_as_the_procedure_does() -> None:
    dev = load_profile("dev")
    french = {e.id: e.procedure(dev) for e in CHECKLIST}
    assert french["nodes-ready"] == "Les 3 nodes sont Ready"
    assert french["argocd-reachable"] == "ArgoCD est accessible (http://192.168.208.71)"
    assert french["min-running-pods"] == "Au moins 32 pods sont Running au total"
    # The runbook names ConfigMap synology-client-info; the dev profile applies what the CSI
    # pods mount (Secret client-info-secret), and the item names what it proves.
    assert french["secrets-applied"] == (
        "Les secrets sont appliqués (gandi-credentials, client-info-secret)"
    )


def test_another_environment_reads_its_own_figures() -> None:
    lab = _five_nodes(load_profile("dev"))
    assert item("nodes-ready").procedure(lab) == "Les 5 nodes sont Ready"
    assert item("nodes-ready").title(lab) == "All 5 nodes are Ready"
    assert item("argocd-reachable").procedure(lab) == "ArgoCD est accessible (http://10.1.2.3)"
    assert item("min-running-pods").procedure(lab) == "Au moins 40 pods sont Running au total"
    assert item("min-running-pods").title(lab) == "At least 40 pods are Running in total"
    assert "client-info" in item("secrets-applied").title(lab)
    texts = " ".join(e.procedure(lab) + e.title(lab) for e in CHECKLIST)
    for dev_figure in ("3 nodes", "32 pods", "192.168.208.71", "client-info-secret"):
        assert dev_figure not in texts


def test_a_run_records_the_profiles_titles(harness) -> None:
    h = harness()
    h.profile = h.profile.model_copy(
        update={"validation": h.profile.validation.model_copy(update={"min_running_pods": 7})}
    )
    h.engine().run(RunRequest())
    cp = h.state.load()
    assert cp is not None
    titles = {c.id: c.title for c in cp.checklist}
    assert titles["min-running-pods"] == "At least 7 pods are Running in total"
