"""The persistent-state contract kept under `state/`: the checkpoint's JSON Schema, a golden
checkpoint of every schema version, and the state-machine diagram read from the machine.

    python -m vixens_tui.core.checkpoint.contract [--write] [DIR]

prints what differs from DIR (default: ./state), or rewrites the generated files with
--write. Golden files are history: a new one is written for the current schema version only
when it is missing, never over an existing one. A test fails when any file is out of date.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from vixens_tui.core.checkpoint.model import (
    SCHEMA_VERSION,
    ChecklistRecord,
    ChecklistState,
    Checkpoint,
    FixRecord,
    Outcome,
    StageRecord,
    StageStatus,
)
from vixens_tui.core.machine import mermaid
from vixens_tui.core.names import STAGE_ORDER, RunState, StageName

SCHEMA_FILE = "checkpoint.schema.json"
DIAGRAM_FILE = "machine.mmd"


def golden_name(version: int = SCHEMA_VERSION) -> str:
    return f"golden/checkpoint-v{version}.json"


def schema_text() -> str:
    return json.dumps(Checkpoint.model_json_schema(), indent=2, sort_keys=True) + "\n"


def diagram_text() -> str:
    return mermaid()


def golden_checkpoint() -> Checkpoint:
    """A run that failed in argocd-sync after a fix, with a manual tick: every field in use."""
    t0 = datetime(2025, 11, 15, 9, 0, 0, tzinfo=UTC)

    def at(minutes: float) -> datetime:
        return datetime.fromtimestamp(t0.timestamp() + minutes * 60, UTC)

    stages = []
    for i, name in enumerate(STAGE_ORDER):
        done = i < 4
        stages.append(
            StageRecord(
                name=name,
                status=StageStatus.DONE
                if done
                else (StageStatus.FAILED if i == 4 else StageStatus.PENDING),
                attempts=2 if name is StageName.DESTROY else (1 if i <= 4 else 0),
                started_at=at(i * 5) if i <= 4 else None,
                finished_at=at(i * 5 + 4) if i <= 4 else None,
                duration_s=240.0 if i <= 4 else None,
                total_s=480.0 if name is StageName.DESTROY else (240.0 if i <= 4 else 0.0),
                error="timed out after 900s waiting for 12 apps Synced" if i == 4 else None,
                failure="timeout" if i == 4 else None,
                summary="20 resources destroyed" if name is StageName.DESTROY else None,
            )
        )
    return Checkpoint(
        schema_version=SCHEMA_VERSION,
        run_id="20251115T090000-a1b2c3",
        env="dev",
        profile_digest="0123456789abcdef",
        created_at=t0,
        updated_at=at(25),
        state=RunState.FAILED,
        current_stage=StageName.ARGOCD_SYNC,
        outcome=Outcome.FAILED,
        exit_code=1,
        message="argocd-sync failed: timed out",
        mode="auto",
        demo=False,
        plan=list(STAGE_ORDER),
        stages=stages,
        fixes=[
            FixRecord(
                issue_id="cilium-destroy-timeout",
                stage=StageName.DESTROY,
                attempt=1,
                at=at(4),
                ok=True,
                by="auto",
                evidence=[
                    "terraform destroy failed on module.environment.module.cilium.helm_release.cilium",
                    "Error: Error uninstalling release: dial tcp 192.168.111.160:6443: i/o timeout",
                ],
                detail="removed module.environment.module.cilium.helm_release.cilium from the Terraform state",
            )
        ],
        checklist=[
            ChecklistRecord(
                id="nodes-ready",
                title="All nodes are Ready",
                state=ChecklistState.MANUAL,
                evidence="ticked by hand",
                by="user",
                at=at(20),
            ),
            ChecklistRecord(id="no-crashloop", title="No pod in CrashLoopBackOff or Error"),
        ],
        resumes=1,
        holder="4242@admin-host",
        inputs=_dev_inputs(),
        destroy_launched_at=at(5.5),
    )


def _dev_inputs() -> dict[str, str | list[str]]:
    # The dev profile's inputs as a v2 checkpoint recorded them, written out: a golden file is
    # what a stored checkpoint holds, and must not follow later changes to the profile or to
    # what inputs_of records (resuming such a run then lists the difference).
    return {
        "api_endpoint": "https://192.168.111.160:6443/",
        "terraform_dir": "/root/vixens/terraform/environments/dev",
        "kubeconfig": "/root/vixens/terraform/environments/dev/kubeconfig-dev",
        "nodes": [
            "obsy (control-plane, 192.168.111.162)",
            "onyx (control-plane, 192.168.111.164)",
            "opale (control-plane, 192.168.111.163)",
        ],
        "kubernetes_version": "v1.34.0",
        "versions": ["talos v1.11.5", "cilium v1.18.3", "argocd chart v7.7.7"],
        "required_namespaces": ["cert-manager"],
        "apps": [
            "cilium-lb -> kube-system",
            "traefik -> traefik",
            "traefik-dashboard -> traefik",
            "argocd -> argocd",
            "whoami -> whoami",
            "cert-manager -> cert-manager",
            "cert-manager-webhook-gandi -> cert-manager",
            "cert-manager-config -> cert-manager",
            "synology-csi -> synology-csi",
            "nfs-storage -> media-stack",
            "mail-gateway -> mail-gateway",
            "homeassistant -> homeassistant",
        ],
        "argocd": [
            "server 192.168.208.71",
            "namespace argocd",
            "revision dev",
            "root app vixens-app-of-apps",
        ],
        "secrets": [
            "Secret cert-manager/gandi-credentials (key api-token) from /root/vixens/.secrets/dev/gandi-credentials.yaml",
            "Secret synology-csi/client-info-secret (key client-info.yml) from /root/vixens/.secrets/dev/client-info.yml",
        ],
        "http_checks": [
            "argocd HEAD http://192.168.208.71/ -> 200,301,302,307,308",
            "whoami GET http://whoami.dev.truxonline.com/ -> 200",
            "traefik-dashboard GET http://traefik.dev.truxonline.com/dashboard/ -> 200",
        ],
        "validation": [
            "at least 32 pods Running",
            "cilium pods k8s-app=cilium",
            "cert-manager namespace cert-manager",
        ],
    }


def expected_files() -> dict[str, str]:
    return {
        SCHEMA_FILE: schema_text(),
        DIAGRAM_FILE: diagram_text(),
    }


def differences(directory: Path) -> list[str]:
    problems = []
    for name, text in expected_files().items():
        path = directory / name
        if not path.exists():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} is out of date")
    golden = directory / golden_name()
    if not golden.exists():
        problems.append(f"{golden} is missing (a golden file for schema v{SCHEMA_VERSION})")
    return problems


def write(directory: Path) -> None:
    for name, text in expected_files().items():
        (directory / name).write_text(text, encoding="utf-8")
    golden = directory / golden_name()
    if not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(golden_checkpoint().model_dump_json(indent=2) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    directory = Path(next((a for a in argv if not a.startswith("-")), "state"))
    if "--write" in argv:
        write(directory)
        return 0
    problems = differences(directory)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
