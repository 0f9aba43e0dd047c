"""The versions the simulated cluster runs: what a rebuild with the user's Terraform builds.

The demo reads them from the repository it runs, not from the profile, so that the checklist's
version items compare the profile with what the configuration builds, as on the real cluster:
Talos from terraform.tfvars (`cluster.talos_image`'s tag, else `cluster.talos_version`: the
installer image the nodes install), the Cilium and Argo CD charts from the shared module's
`chart_versions`. Other simulated clusters (tests, `vixens-tui sim`) run the profile's
`[versions]`, or the runbook's when it names none.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from vixens_tui.core.profile import Profile

RUNBOOK_TALOS = "v1.11.5"
RUNBOOK_CILIUM_CHART = "1.18.3"
RUNBOOK_ARGOCD_CHART = "7.7.7"
_SHARED_LOCALS = PurePosixPath("terraform/modules/shared/locals.tf")
ARGOCD_APP_VERSIONS = {"7.7.7": "v2.13.1"}
"""argo-helm's argo-cd chart -> the Argo CD it deploys (Chart.yaml appVersion)."""


def _bare(version: str) -> str:
    return version.strip().removeprefix("v")


@dataclass(frozen=True, slots=True)
class BuiltVersions:
    talos: str = RUNBOOK_TALOS
    """As Talos names itself: "v1.11.5" (the node's osImage is "Talos (v1.11.5)")."""
    cilium_chart: str = RUNBOOK_CILIUM_CHART
    argocd_chart: str = RUNBOOK_ARGOCD_CHART

    @property
    def cilium_tag(self) -> str:
        """The Cilium chart deploys the images of its own version: chart 1.18.3, v1.18.3."""
        return f"v{_bare(self.cilium_chart)}"

    @property
    def argocd_image_tag(self) -> str:
        return ARGOCD_APP_VERSIONS.get(_bare(self.argocd_chart), "v2.13.1")

    @classmethod
    def of_profile(cls, profile: Profile) -> BuiltVersions:
        v = profile.versions
        return cls(
            talos=f"v{_bare(v.talos)}" if v.talos else RUNBOOK_TALOS,
            cilium_chart=_bare(v.cilium) or RUNBOOK_CILIUM_CHART,
            argocd_chart=_bare(v.argocd_chart) or RUNBOOK_ARGOCD_CHART,
        )

    @classmethod
    def of_repository(cls) -> BuiltVersions:
        return _repository_versions()


@functools.cache
def _repository_versions() -> BuiltVersions:
    import hcl2
    from hcl2.utils import SerializationOptions

    from vixens_tui.sim.demo_repo import real_tfvars, repo_files

    cluster: dict[str, Any] = real_tfvars()["cluster"]
    image = str(cluster.get("talos_image") or "")
    talos = image.rpartition(":")[2] if ":" in image else str(cluster["talos_version"])
    text = repo_files()[_SHARED_LOCALS].decode()
    parsed: dict[str, Any] = hcl2.loads(
        text, serialization_options=SerializationOptions(strip_string_quotes=True)
    )
    blocks = parsed["locals"] if isinstance(parsed["locals"], list) else [parsed["locals"]]
    charts = next(b["chart_versions"] for b in blocks if "chart_versions" in b)
    return BuiltVersions(
        talos=talos, cilium_chart=str(charts["cilium"]), argocd_chart=str(charts["argocd"])
    )
