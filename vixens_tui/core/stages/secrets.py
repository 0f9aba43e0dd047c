"""Stage 6 (étape 5): the Gandi API token Secret and the Synology CSI ConfigMap, from their
files. Values go to the API and nowhere else: not the screen, not a log, not the checkpoint."""

from __future__ import annotations

from collections.abc import Callable

from vixens_tui.core.cancel import Cancelled
from vixens_tui.core.context import StageContext
from vixens_tui.core.failures import FailureKind, StageError
from vixens_tui.core.names import StageName
from vixens_tui.core.ports import ClusterError
from vixens_tui.core.secretfiles import SecretFileError, load_gandi, load_synology
from vixens_tui.core.stages.base import CheckResult, Stage

RETRIES = 5
"""cert-manager's webhook can be Running before it serves: retry briefly (known-issues.md)."""


def secret_objects(ctx: StageContext) -> dict[str, tuple[str, str, str]]:
    s = ctx.profile.secrets
    return {
        f"{s.gandi_namespace}/secret/{s.gandi_secret_name}": (
            "Secret",
            s.gandi_namespace,
            s.gandi_secret_name,
        ),
        f"{s.synology_namespace}/configmap/{s.synology_configmap}": (
            "ConfigMap",
            s.synology_namespace,
            s.synology_configmap,
        ),
    }


def secrets_present(ctx: StageContext) -> dict[str, bool]:
    out = {}
    for label, (kind, namespace, name) in secret_objects(ctx).items():
        try:
            out[label] = ctx.cluster.object_exists(kind, namespace, name)
        except ClusterError:
            out[label] = False
    return out


def _retrying(ctx: StageContext, what: str, action: Callable[[], None]) -> None:
    delay = 1.0
    for attempt in range(1, RETRIES + 1):
        try:
            action()
            return
        except ClusterError as exc:
            transient = exc.unreachable or exc.status >= 500 or exc.status == 404
            if not transient or attempt == RETRIES:
                raise StageError(
                    f"{what} failed: {exc}",
                    kind=FailureKind.TRANSIENT if transient else FailureKind.UNKNOWN,
                ) from None
            ctx.info(
                f"{what} failed ({exc}); retry {attempt}/{RETRIES - 1} in {delay:.0f}s", "warning"
            )
            if ctx.cancel.wait(delay):
                raise Cancelled(ctx.cancel.reason) from None
            delay = min(delay * 2, 8.0)


class Secrets(Stage):
    name = StageName.SECRETS
    title = "Apply the secrets (Gandi, Synology CSI)"

    def check(self, ctx: StageContext) -> CheckResult:
        present = secrets_present(ctx)
        missing = [k for k, v in present.items() if not v]
        if missing:
            return CheckResult(False, "missing: " + ", ".join(missing))
        return CheckResult(True, "present: " + ", ".join(present))

    def run(self, ctx: StageContext) -> str:
        spec = ctx.profile.secrets
        try:
            gandi = load_gandi(spec.gandi_credentials, spec, ctx.redactor)
            synology = load_synology(spec.synology_client_info, spec, ctx.redactor)
        except SecretFileError as exc:
            raise StageError(str(exc), kind=FailureKind.INPUT) from None
        ctx.cluster.start()
        ctx.info(f"kubectl apply -f {spec.gandi_credentials} (values not shown)")
        _retrying(
            ctx,
            f"applying Secret {gandi.namespace}/{gandi.name}",
            lambda: ctx.cluster.apply_secret(gandi.manifest),
        )
        ctx.info(
            f"kubectl create configmap {synology.name} --from-file={synology.key}="
            f"{spec.synology_client_info} -n {synology.namespace} --dry-run=client -o yaml "
            f"| kubectl apply -f - (values not shown)"
        )
        _retrying(
            ctx,
            f"applying ConfigMap {synology.namespace}/{synology.name}",
            lambda: ctx.cluster.apply_configmap(
                synology.namespace, synology.name, {synology.key: synology.text}
            ),
        )
        present = secrets_present(ctx)
        missing = [k for k, v in present.items() if not v]
        if missing:
            raise StageError(
                "applied, but not found afterwards: " + ", ".join(missing),
                kind=FailureKind.TRANSIENT,
            )
        return f"applied {gandi.namespace}/{gandi.name} and {synology.namespace}/{synology.name} (values not shown)"
