"""What the rebuild built, read from the cluster: the versions the procedure promises.

The procedure's "Ressources créées" and "Résultat Final Attendu": Talos v1.11.5 on the three
control planes, Cilium v1.18.3 with Hubble, Argo CD chart 7.7.7 with its root app managing the
apps. Terraform says only that it asked for them; the cluster says what runs:
- a Talos node reports `status.nodeInfo.osImage` "Talos (v1.11.5)" (the kubelet reads the
  OS's /etc/os-release PRETTY_NAME, which Talos sets to that);
- the Cilium agents run `quay.io/cilium/cilium:v1.18.3@sha256:…`, the chart's image for its
  version; Hubble is its relay (and UI) pods, which the chart deploys only when enabled;
- the Argo CD chart (argo-helm's argo-cd) labels every pod it deploys
  `helm.sh/chart: argo-cd-7.7.7`.
A version the profile leaves empty is shown, not judged.
"""

from __future__ import annotations

import re
from collections import Counter

from vixens_tui.core.cluster import ClusterSnapshot, pod_matches, selector_terms
from vixens_tui.core.profile.model import Profile

_TALOS_IMAGE = re.compile(r"^Talos \((?P<version>[^)]+)\)$")
ARGOCD_CHART_LABEL = "helm.sh/chart"
ARGOCD_CHART_PREFIX = "argo-cd-"


def bare(version: str) -> str:
    """A version without its "v": the profile writes "v7.7.7", Helm's label "7.7.7"."""
    return version.strip().removeprefix("v")


def image_tag(image: str) -> str:
    """The tag of `repository:tag[@sha256:…]` ("" when the image names none)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.partition(":")[2]


def _seen(values: list[str]) -> str:
    counts = Counter(values)
    return ", ".join(f"{v} ({n})" if len(counts) > 1 else v for v, n in counts.most_common())


def talos_verdict(profile: Profile, snap: ClusterSnapshot) -> tuple[bool, str]:
    want = profile.versions.talos
    found: dict[str, str] = {}
    missing: list[str] = []
    for spec in profile.nodes:
        node = snap.node(spec.name)
        if node is None:
            missing.append(spec.name)
            continue
        match = _TALOS_IMAGE.match(node.os_image)
        found[spec.name] = match["version"] if match else (node.os_image or "no OS image")
    if missing:
        return False, f"node {', '.join(missing)} not in the cluster"
    names = ", ".join(found)
    wrong = [f"{n} runs {v}" for n, v in found.items() if not want or bare(v) != bare(want)]
    if not want:
        return (
            True,
            f"Talos on {len(found)} nodes: {_seen(list(found.values()))} (versions.talos not set)",
        )
    if wrong:
        return False, f"expected Talos {want} (versions.talos): " + "; ".join(wrong)
    return True, f"{len(found)}/{len(found)} nodes run Talos {want} ({names}: osImage)"


def cilium_verdict(profile: Profile, snap: ClusterSnapshot) -> tuple[bool, str]:
    want = profile.versions.cilium
    agents = [p for p in snap.pods if pod_matches(p, profile.validation.cilium_selector)]
    tags = [image_tag(i) for p in agents for i in p.images if "/cilium:" in f"/{i.split('/')[-1]}"]
    if not tags:
        return False, "no Cilium agent pod with a cilium image"
    wrong = sorted({t for t in tags if not want or bare(t) != bare(want)})
    parts = [f"{len(agents)} agents run {_seen(tags)}"]
    hubble: list[str] = []
    for selector in profile.validation.hubble_selectors:
        pods = [p for p in snap.pods if pod_matches(p, selector)]
        ready = sum(1 for p in pods if p.is_ready)
        name = selector_terms(selector).get("k8s-app") or selector
        if not pods or ready < len(pods):
            hubble.append(f"{name} {ready}/{len(pods)} ready")
        else:
            parts.append(f"{name} {ready}/{len(pods)} ready")
    if want and wrong:
        return False, f"expected Cilium {want} (versions.cilium); " + "; ".join(parts)
    if hubble:
        return False, "Hubble not running: " + ", ".join(hubble) + "; " + "; ".join(parts)
    unset = "" if want else " (versions.cilium not set)"
    return True, "; ".join(parts) + unset


def argocd_verdict(profile: Profile, snap: ClusterSnapshot) -> tuple[bool, str]:
    argocd = profile.argocd
    want = profile.versions.argocd_chart
    charts = [
        p.labels[ARGOCD_CHART_LABEL].removeprefix(ARGOCD_CHART_PREFIX)
        for p in snap.pods_in(argocd.namespace)
        if p.labels.get(ARGOCD_CHART_LABEL, "").startswith(ARGOCD_CHART_PREFIX)
    ]
    if not charts:
        return False, f"no pod in {argocd.namespace} labelled {ARGOCD_CHART_LABEL}=argo-cd-…"
    parts = [f"{len(charts)} pods from chart argo-cd {_seen(charts)}"]
    root = snap.app(argocd.root_app)
    managed = len(snap.apps) - (1 if root is not None else 0)
    if root is None:
        root_ok = False
        parts.append(f"root app {argocd.root_app} missing")
    else:
        root_ok = root.sync == "Synced" and root.health == "Healthy"
        parts.append(
            f"root app {argocd.root_app} {root.sync}/{root.health} managing {managed} applications"
        )
    wrong = sorted({c for c in charts if want and bare(c) != bare(want)})
    if wrong:
        return False, f"expected chart {bare(want)} (versions.argocd_chart); " + "; ".join(parts)
    unset = "" if want else " (versions.argocd_chart not set)"
    return root_ok, "; ".join(parts) + unset
