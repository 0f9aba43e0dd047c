"""Argo CD's application controller, as the procedure sees it through Application objects.

Terraform creates the root app once Argo CD runs; its sync creates the profile's apps (app of
apps). Each app is compared (needs a working repo-server), then auto-synced: the operation shows
in `status.operationState` (Running, then Succeeded, Failed or Error), the sync status goes
OutOfSync to Synced at the branch's commit, the health Missing, Progressing (while its pods
start) then Healthy. A sync requested by patching `.operation` (the procedure's
`kubectl patch application ... --type merge`) is picked up, run, and `.operation` is cleared
when it ends, as Argo CD does.

The faults change what a sync finds: with `cert-manager-namespace-missing` the apps bound for
that namespace fail (`namespaces "cert-manager" not found`) and, like a real auto-sync, do not
retry the same revision: they need the namespace and a forced sync. With `repo-server-eof`, the
repo-server breaks once the apps appear: comparisons end in a ComparisonError (`error reading
from server: EOF`) until the broken repo-server pods are replaced; then a forced sync, or the
next refresh, works.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

from vixens_tui.core.profile import AppSpec
from vixens_tui.sim.apiserver import kinds
from vixens_tui.sim.conditions import is_ready
from vixens_tui.sim.custom_objects import application, certificate, cluster_issuer
from vixens_tui.sim.faults import CERT_MANAGER_NAMESPACE_MISSING, REPO_SERVER_EOF
from vixens_tui.sim.objects import pvc
from vixens_tui.sim.plans import REPO_URL, AppPlan
from vixens_tui.sim.world import World

Obj = dict[str, Any]

EOF_MESSAGE = (
    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: "
    "code = Unknown desc = error reading from server: EOF"
)
FINALIZER = "resources-finalizer.argocd.argoproj.io"

_NEW, _OUT_OF_SYNC, _COMPARISON_ERROR, _SYNCING, _FAILED, _SYNCED = (
    "new",
    "out-of-sync",
    "comparison-error",
    "syncing",
    "failed",
    "synced",
)


def commit_of(revision: str) -> str:
    """The commit the branch points at (a 40-hex SHA, as status.sync.revision shows)."""
    return hashlib.sha1(f"{REPO_URL}@{revision}".encode(), usedforsecurity=False).hexdigest()


@dataclass
class AppRecord:
    name: str
    plan: AppPlan | None
    next_compare_at: float
    state: str = _NEW
    op_ends_at: float = 0.0
    op_started_ts: str = ""
    synced_at: float = 0.0


class ArgoController:
    def __init__(self, world: World) -> None:
        self.world = world
        self.records: dict[str, AppRecord] = {}
        self._generation = -1

    @property
    def namespace(self) -> str:
        return self.world.profile.argocd.namespace

    @property
    def revision_sha(self) -> str:
        return commit_of(self.world.profile.argocd.revision)

    # -- the controller's prerequisites ------------------------------------------------------

    def _installed(self, now: float) -> bool:
        life = self.world.life
        return life.argocd_at is not None and now >= life.argocd_at

    def _ready(self, name: str) -> bool:
        workload = self.world.workload_named(name)
        return workload is not None and self.world.any_ready([workload])

    def reconcile(self, now: float) -> None:
        world = self.world
        life = world.life
        if life.generation != self._generation:
            self.records.clear()
            self._generation = life.generation
        if not self._installed(now):
            return
        # The hook-driven scenarios stand in for Terraform here; with the simulated providers
        # the real configuration's kubectl_manifest creates the root app through the API.
        if (
            not life.root_created
            and not world.root_by_terraform
            and all(world.workload_ready(w) for w in world.catalog.of_layer("argocd"))
        ):
            self._create_root(now)
        if not self._ready("argocd-application-controller"):
            return
        self._heal_repo_server()
        for obj in world.store.list(kinds.APPLICATION, self.namespace):
            self._reconcile_app(obj, now)

    def _create_root(self, now: float) -> None:
        world = self.world
        profile = world.profile
        root = AppSpec(name=profile.argocd.root_app, namespace=self.namespace)
        obj = application(
            root,
            argocd_namespace=self.namespace,
            revision=profile.argocd.revision,
            path=f"argocd/overlays/{profile.name}",
            root=True,
            env=profile.name,
        )
        if world.store.get(kinds.APPLICATION, self.namespace, root.name) is None:
            world.resources.create(kinds.APPLICATION, self.namespace, obj)
        world.life.root_created = True
        self.records[root.name] = AppRecord(root.name, None, now + world.timings.root_app_s)

    # -- repo-server-eof -------------------------------------------------------------------

    def _repo_pods(self) -> list[Obj]:
        return self.world.pods_of(self.world.catalog.repo_server())

    def _arm_eof(self) -> None:
        life = self.world.life
        if life.eof_armed or not self.world.fault(REPO_SERVER_EOF):
            return
        life.eof_armed = True
        life.eof_broken = True
        life.eof_pods = {p["metadata"]["name"] for p in self._repo_pods()}

    def _heal_repo_server(self) -> None:
        life = self.world.life
        if not life.eof_broken:
            return
        pods = self._repo_pods()
        broken_left = [p for p in pods if p["metadata"]["name"] in life.eof_pods]
        fresh_ready = [
            p for p in pods if p["metadata"]["name"] not in life.eof_pods and is_ready(p)
        ]
        if not broken_left and fresh_ready:
            life.eof_broken = False

    def _comparison_works(self) -> bool:
        return self._ready("argocd-repo-server")

    # -- one application -------------------------------------------------------------------

    def _record(self, obj: Obj, now: float) -> AppRecord:
        name = obj["metadata"]["name"]
        record = self.records.get(name)
        if record is None:
            record = AppRecord(
                name, self.world.catalog.app(name), now + self.world.timings.compare_s
            )
            self.records[name] = record
        return record

    def _reconcile_app(self, obj: Obj, now: float) -> None:
        record = self._record(obj, now)
        if obj["metadata"].get("deletionTimestamp"):
            self._delete(obj)
            return
        if obj.get("operation") and record.state != _SYNCING:
            if self._comparison_works():
                self._start(obj, record, now, dict(obj["operation"]))
            return
        if record.state in (_NEW, _COMPARISON_ERROR) and now >= record.next_compare_at:
            if not self._comparison_works():
                return
            if self._eof_hits(record):
                self._comparison_error(obj, record, now)
            else:
                self._start(obj, record, now, None)
        elif record.state == _SYNCING and now >= record.op_ends_at:
            self._finish(obj, record, now)
        elif record.state == _SYNCED:
            if self._is_root(record):
                # The root app self-heals: a deleted child Application comes back.
                self._create_children(now)
            elif not self.world.namespace_exists(self._destination(obj)):
                # Self-heal: the app's namespace was deleted; the next auto-sync recreates it.
                record.state = _NEW
                record.next_compare_at = now + self.world.timings.compare_s
                return
            self._health(obj, record, now)

    def _is_root(self, record: AppRecord) -> bool:
        return record.plan is None and record.name == self.world.profile.argocd.root_app

    def _eof_hits(self, record: AppRecord) -> bool:
        return self.world.life.eof_broken and record.plan is not None

    def _base_status(self, obj: Obj) -> Obj:
        status = copy.deepcopy(obj.get("status") or {})
        status["reconciledAt"] = self.world.ts()
        status["controllerNamespace"] = self.namespace
        status["sourceType"] = "Kustomize"
        status.setdefault("summary", {})
        return status

    def _compared_to(self, obj: Obj) -> Obj:
        spec = obj.get("spec", {})
        return {"source": spec.get("source", {}), "destination": spec.get("destination", {})}

    def _write(self, obj: Obj, status: Obj, *, clear_operation: bool = False) -> None:
        current = self.world.store.get(kinds.APPLICATION, self.namespace, obj["metadata"]["name"])
        if current is None:
            return
        edited = copy.deepcopy(current)
        edited["status"] = status
        if clear_operation:
            edited.pop("operation", None)
        if edited != current:
            self.world.store.put(kinds.APPLICATION, edited)

    def _comparison_error(self, obj: Obj, record: AppRecord, now: float) -> None:
        ts = self.world.ts()
        status = self._base_status(obj)
        status["sync"] = {"status": "Unknown", "comparedTo": self._compared_to(obj)}
        status["health"] = {"status": "Unknown", "lastTransitionTime": ts}
        status["conditions"] = [
            {"type": "ComparisonError", "message": EOF_MESSAGE, "lastTransitionTime": ts}
        ]
        if not status.get("operationState"):
            status["operationState"] = {
                "operation": self._auto_operation(obj),
                "phase": "Error",
                "message": f"ComparisonError: {EOF_MESSAGE}",
                "startedAt": ts,
                "finishedAt": ts,
                "retryCount": 0,
            }
        record.state = _COMPARISON_ERROR
        record.next_compare_at = now + self.world.timings.refresh_s
        self._write(obj, status)

    def _auto_operation(self, obj: Obj) -> Obj:
        # An automated sync goes to the commit the app's own targetRevision resolves to (the
        # comparison's revision), whatever branch the profile names: Terraform's root app
        # tracks the tfvars' git_branch.
        return {
            "initiatedBy": {"automated": True},
            "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}},
            "sync": {"revision": self._target_commit(obj), "prune": True},
        }

    def _start(self, obj: Obj, record: AppRecord, now: float, operation: Obj | None) -> None:
        ts = self.world.ts()
        status = self._base_status(obj)
        if record.state in (_NEW, _COMPARISON_ERROR):
            status["sync"] = {"status": "OutOfSync", "comparedTo": self._compared_to(obj)}
            status["health"] = {"status": "Missing", "lastTransitionTime": ts}
        status["operationState"] = {
            "operation": operation or self._auto_operation(obj),
            "phase": "Running",
            "message": "one or more tasks are running",
            "startedAt": ts,
        }
        record.state = _SYNCING
        record.op_started_ts = ts
        record.op_ends_at = now + self.world.jitter(self.world.timings.sync_s)
        self._write(obj, status)

    @staticmethod
    def _destination(obj: Obj) -> str:
        return str(obj.get("spec", {}).get("destination", {}).get("namespace", ""))

    def _blocked_namespace(self, obj: Obj) -> str:
        """The destination namespace this sync cannot create (cert-manager-namespace-missing)."""
        world = self.world
        destination = self._destination(obj)
        if not world.fault(CERT_MANAGER_NAMESPACE_MISSING) or world.namespace_exists(destination):
            return ""
        blocked = {
            *world.profile.known_issues.required_namespaces,
            world.profile.validation.cert_manager_namespace,
        }
        return destination if destination in blocked else ""

    @staticmethod
    def _requested(state: Obj) -> str:
        operation = state.get("operation") or {}
        return str((operation.get("sync") or {}).get("revision") or "")

    def _target_commit(self, obj: Obj) -> str:
        target = (obj.get("spec", {}).get("source") or {}).get("targetRevision")
        return commit_of(str(target)) if target else self.revision_sha

    def _requested_commit(self, obj: Obj, state: Obj) -> str:
        requested = self._requested(state)
        if not requested:
            return self._target_commit(obj)
        return requested if len(requested) == 40 else commit_of(requested)

    def _unknown_chart_version(self, obj: Obj, state: Obj) -> str:
        source = obj.get("spec", {}).get("source") or {}
        requested = self._requested(state)
        if not source.get("chart") or not requested or requested == source.get("targetRevision"):
            return ""
        return (
            f'failed to generate manifest: chart "{source["chart"]}" version "{requested}" '
            f"not found in {source.get('repoURL', '')} repository"
        )

    def _finish(self, obj: Obj, record: AppRecord, now: float) -> None:
        ts = self.world.ts()
        status = self._base_status(obj)
        state = dict(status.get("operationState") or {})
        state["finishedAt"] = ts
        state.setdefault("startedAt", record.op_started_ts or ts)
        blocked = self._blocked_namespace(obj)
        wrong_chart = self._unknown_chart_version(obj, state)
        if wrong_chart:
            # As Argo CD does for a single-source Helm app: the requested revision is the chart's
            # version, which the chart repository does not have.
            state.update(phase="Error", message=f"ComparisonError: {wrong_chart}")
            status["operationState"] = state
            status["sync"] = {"status": "OutOfSync", "comparedTo": self._compared_to(obj)}
            status["conditions"] = [
                {"type": "ComparisonError", "message": wrong_chart, "lastTransitionTime": ts}
            ]
            record.state = _FAILED
        elif self._eof_hits(record):
            state.update(phase="Error", message=f"ComparisonError: {EOF_MESSAGE}")
            status["operationState"] = state
            status["sync"] = {"status": "Unknown", "comparedTo": self._compared_to(obj)}
            status["health"] = {"status": "Unknown", "lastTransitionTime": ts}
            status["conditions"] = [
                {"type": "ComparisonError", "message": EOF_MESSAGE, "lastTransitionTime": ts}
            ]
            record.state = _COMPARISON_ERROR
            record.next_compare_at = now + self.world.timings.refresh_s
        elif blocked:
            reason = (
                f'one or more objects failed to apply, reason: namespaces "{blocked}" not found'
            )
            state.update(phase="Failed", message=reason)
            status["operationState"] = state
            status["sync"] = {"status": "OutOfSync", "comparedTo": self._compared_to(obj)}
            status["health"] = {"status": "Missing", "lastTransitionTime": ts}
            status["conditions"] = [
                {
                    "type": "SyncError",
                    "message": f"Failed sync attempt to {self.revision_sha}: {reason}",
                    "lastTransitionTime": ts,
                }
            ]
            record.state = _FAILED
        else:
            self._deploy(obj, record)
            # A sync deploys the revision it was asked for (a branch: its commit), else the
            # app's targetRevision; the app is Synced only if that is its target's commit.
            deployed = self._requested_commit(obj, state)
            state.update(
                phase="Succeeded",
                message="successfully synced (all tasks run)",
                syncResult={
                    "revision": deployed,
                    "source": obj.get("spec", {}).get("source", {}),
                    "resources": self._resources(record, synced=True),
                },
            )
            status["operationState"] = state
            status["sync"] = {
                "status": "Synced" if deployed == self._target_commit(obj) else "OutOfSync",
                "revision": deployed,
                "comparedTo": self._compared_to(obj),
            }
            status["health"] = {"status": "Progressing", "lastTransitionTime": ts}
            status.pop("conditions", None)
            history = list(status.get("history") or [])
            history.append(
                {
                    "id": len(history),
                    "revision": deployed,
                    "deployedAt": ts,
                    "deployStartedAt": state["startedAt"],
                    "source": obj.get("spec", {}).get("source", {}),
                    "initiatedBy": state.get("operation", {}).get("initiatedBy", {}),
                }
            )
            status["history"] = history[-10:]
            status["resources"] = self._resources(record, synced=True)
            record.state = _SYNCED
            record.synced_at = now
        self._write(obj, status, clear_operation=True)
        if record.state == _SYNCED and self._is_root(record):
            self._create_children(now)
            self._arm_eof()

    def _create_children(self, now: float) -> None:
        world = self.world
        profile = world.profile
        waves = [a.spec.sync_wave for a in world.catalog.apps] or [0]
        for plan in world.catalog.apps:
            if world.store.get(kinds.APPLICATION, self.namespace, plan.name) is not None:
                continue
            obj = application(
                plan.spec,
                argocd_namespace=self.namespace,
                revision=profile.argocd.revision,
                path=plan.path,
            )
            world.resources.create(kinds.APPLICATION, self.namespace, obj)
            delay = (
                world.timings.compare_s
                + (plan.spec.sync_wave - min(waves)) * world.timings.wave_gap_s
            )
            self.records[plan.name] = AppRecord(plan.name, plan, now + delay)

    def _deploy(self, obj: Obj, record: AppRecord) -> None:
        world = self.world
        destination = obj.get("spec", {}).get("destination", {}).get("namespace", "")
        if destination:
            world.ensure_namespace(destination)
        world.life.deployed_apps.add(record.name)
        plan = record.plan
        if plan is None:
            return
        for cert in plan.certificates:
            world.ensure_namespace(cert.namespace)
            if world.store.get(kinds.CERTIFICATE, cert.namespace, cert.name) is None:
                world.resources.create(
                    kinds.CERTIFICATE, cert.namespace, certificate(cert, plan.name)
                )
        domain = next((c.dns_names[-1] for c in plan.certificates if c.dns_names), "vixens.lab")
        for issuer in plan.issuers:
            if world.store.get(kinds.CLUSTER_ISSUER, "", issuer) is None:
                world.resources.create(
                    kinds.CLUSTER_ISSUER, "", cluster_issuer(issuer, world.profile, domain)
                )
        for claim in plan.pvcs:
            world.ensure_namespace(claim.namespace)
            if world.store.get(kinds.PVC, claim.namespace, claim.name) is None:
                world.resources.create(kinds.PVC, claim.namespace, pvc(claim, plan.name))

    def _resources(self, record: AppRecord, *, synced: bool) -> list[Obj]:
        entries: list[Obj] = []
        for workload in self.world.catalog.of_app(record.name):
            kind = "Deployment" if workload.controller == "Deployment" else workload.controller
            ready = self.world.workload_ready(workload)
            entries.append(
                {
                    "group": "apps",
                    "version": "v1",
                    "kind": kind,
                    "namespace": workload.namespace,
                    "name": workload.name,
                    "status": "Synced" if synced else "OutOfSync",
                    "health": {"status": "Healthy" if ready else "Progressing"},
                }
            )
        return entries

    def _health(self, obj: Obj, record: AppRecord, now: float) -> None:
        world = self.world
        pending = [w for w in world.catalog.of_app(record.name) if not world.workload_ready(w)]
        claims = record.plan.pvcs if record.plan else ()
        unbound = [
            c
            for c in claims
            if (world.store.get(kinds.PVC, c.namespace, c.name) or {})
            .get("status", {})
            .get("phase")
            != "Bound"
        ]
        slow = record.plan is not None and record.plan.spec.accept_progressing
        waiting = slow and now < record.synced_at + world.timings.progressing_s
        if self._is_root(record):
            children = [a.name for a in world.catalog.apps]
            missing = [
                n for n in children if world.store.get(kinds.APPLICATION, self.namespace, n) is None
            ]
            health = "Progressing" if missing else "Healthy"
        else:
            health = "Progressing" if pending or unbound or waiting else "Healthy"
        current = obj.get("status", {}).get("health", {}).get("status")
        if current == health:
            return
        status = self._base_status(obj)
        status["health"] = {"status": health, "lastTransitionTime": world.ts()}
        status["resources"] = self._resources(record, synced=True)
        self._write(obj, status)

    def _delete(self, obj: Obj) -> None:
        """The resources finalizer: the app's resources go, then the Application."""
        world = self.world
        name = obj["metadata"]["name"]
        world.life.deployed_apps.discard(name)
        self.records.pop(name, None)
        world.store.remove(kinds.APPLICATION, self.namespace, name)
