"""Known issue 2: the cert-manager chart does not create its namespace.

Symptom: `namespaces "cert-manager" not found`. Fix: create it (an existing one is success).
The procedure's lasting fix is CreateNamespace=true on the Application: the evidence says so.
"""

from __future__ import annotations

import re

from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import StageError
from vixens_tui.core.issues.base import Detection, FixFailed, KnownIssue
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import ClusterError

SYMPTOM = re.compile(r'namespaces? "([a-z0-9]([-a-z0-9]*[a-z0-9])?)" not found')


class CertManagerNamespaceMissing(KnownIssue):
    id = "cert-manager-namespace-missing"
    title = "A namespace the charts do not create is missing"
    stages = (StageName.NAMESPACES, StageName.ARGOCD_SYNC)
    limit = 1

    def detect(self, failure: StageError, ctx: StageContext) -> Detection | None:
        lines = [t for t in failure.texts() if SYMPTOM.search(t)]
        if not lines:
            return None
        wanted = sorted({m.group(1) for t in lines for m in SYMPTOM.finditer(t)})
        snapshot = ctx.cluster.snapshot()
        if "namespaces" in snapshot.synced_kinds:
            # Only what the API confirms absent: an existing namespace needs no fix.
            wanted = [ns for ns in wanted if ns not in snapshot.namespaces]
            confirmed = (
                f"the API lists {len(snapshot.namespaces)} namespaces, not {', '.join(wanted)}"
            )
        else:
            confirmed = "the namespace list is not available yet"
        if not wanted:
            return None
        return self.detection(
            evidence=(
                *lines[:3],
                confirmed,
                "lasting fix: CreateNamespace=true on the Application "
                "(or create the namespace in Terraform)",
            ),
            fix=f"kubectl create namespace {' '.join(wanted)}",
            params={"namespaces": ",".join(wanted)},
        )

    def fix(self, detection: Detection, ctx: StageContext) -> str:
        done = []
        for namespace in detection.params["namespaces"].split(","):
            ctx.info(f"kubectl create namespace {namespace}")
            try:
                created = ctx.cluster.create_namespace(namespace)
            except ClusterError as exc:
                raise FixFailed(f"cannot create namespace {namespace}: {exc}") from None
            done.append(f"{namespace} ({'created' if created else 'already existed'})")
        return "namespace " + ", ".join(done)
