"""Nothing is hard-coded to dev: the demo simulates and validates whatever the profile says."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Demo
from vixens_tui.core.checkpoint.model import ChecklistState, Outcome
from vixens_tui.core.profile import load_profile
from vixens_tui.core.profile.loader import builtin_text

NODES = ["alpha", "bravo", "charlie", "delta", "echo"]
APPS = """apps = [
  { name = "cilium-lb", namespace = "kube-system" },
  { name = "traefik", namespace = "ingress", create_namespace = true, accept_progressing = true },
  { name = "argocd", namespace = "argocd", accept_progressing = true },
  { name = "cert-manager", namespace = "cert-manager", create_namespace = true },
  { name = "cert-manager-webhook-gandi", namespace = "cert-manager", sync_wave = 1 },
  { name = "cert-manager-config", namespace = "cert-manager", sync_wave = 2 },
  { name = "synology-csi", namespace = "synology-csi", create_namespace = true },
  { name = "grafana", namespace = "monitoring", create_namespace = true },
  { name = "minio", namespace = "minio", create_namespace = true },
]"""


def staging_profile_text() -> str:
    text = builtin_text("dev") or ""
    text = text.replace('name = "dev"', 'name = "staging"', 1)
    nodes = ",\n".join(f'  {{ name = "{n}", ip = "10.0.0.{i + 10}" }}' for i, n in enumerate(NODES))
    text = re.sub(
        r"^nodes = \[.*?^\]$", f"nodes = [\n{nodes},\n]", text, count=1, flags=re.S | re.M
    )
    text = re.sub(r"^apps = \[.*?^\]$", APPS, text, count=1, flags=re.S | re.M)
    text = text.replace('kubernetes_version = "v1.34.0"', 'kubernetes_version = "v1.33.4"')
    text = text.replace('revision = "dev"', 'revision = "staging"')
    text = text.replace("min_running_pods = 32", "min_running_pods = 40")
    # This environment's own Certificates, not dev's (whose namespaces it does not have).
    text = re.sub(
        r"^certificates = \[.*?^\]$",
        'certificates = ["argocd/argocd-server-tls", "monitoring/grafana-tls"]',
        text,
        count=1,
        flags=re.S | re.M,
    )
    return text


@pytest.mark.long
def test_demo_of_a_five_node_profile_validates_that_cluster(demo: Demo) -> None:
    path = demo.root / "staging.toml"
    path.write_text(staging_profile_text())
    profile = load_profile("staging", path)
    assert [n.name for n in profile.nodes] == NODES
    demo.key = "staging-demo"
    result = demo.run("--env", "staging", "--config", str(path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    cp = demo.checkpoint()
    assert cp.env == "staging-demo" and cp.outcome is Outcome.DONE
    items = {c.id: c for c in cp.checklist}
    assert all(c.state is ChecklistState.PROVED for c in cp.checklist)
    assert (
        items["nodes-ready"].evidence
        == "5/5 nodes Ready (alpha, bravo, charlie, delta, echo) at v1.33.4"
    )
    running = int(items["min-running-pods"].evidence.split()[0])
    assert running >= 40
    assert "12 apps" not in result.stdout and "9/9 apps Synced" in result.stdout
    for name in ("grafana", "minio"):
        assert name in result.stdout
    assert "2 Certificates Ready" in result.stdout
    for name in ("obsy", "onyx", "opale", "homeassistant"):
        assert name not in result.stdout
