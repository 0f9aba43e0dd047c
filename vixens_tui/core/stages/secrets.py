"""Stage 6 (étape 5): the Gandi API token Secret and the Synology CSI client configuration,
from their files, each applied as the object the profile names (kind, name, namespace, key).
Values go to the API and nowhere else: not the screen, not a log, not the checkpoint."""

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
"""cert-manager's webhook can be Running before it serves: retry briefly (docs/known-issues.md)."""


def secret_objects(ctx: StageContext) -> dict[str, tuple[str, str, str]]:
    """Each object the stage applies: "namespace/kind/name" -> (kind, namespace, name)."""
    return {o.label(): (o.kind, o.namespace, o.name) for o in ctx.profile.secrets.objects()}


def secrets_present(ctx: StageContext) -> dict[str, bool | None]:
    """Each secret object: present (True), absent (False) or unknown (None: the API did not
    answer). Unknown is never taken for absent: a 503 does not mean the Secret is missing."""
    out: dict[str, bool | None] = {}
    for label, (kind, namespace, name) in secret_objects(ctx).items():
        try:
            out[label] = ctx.cluster.object_exists(kind, namespace, name)
        except ClusterError:
            out[label] = None
    return out


def _describe(present: dict[str, bool | None]) -> tuple[list[str], list[str]]:
    missing = [k for k, v in present.items() if v is False]
    unknown = [k for k, v in present.items() if v is None]
    return missing, unknown


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


def _read_back(ctx: StageContext, label: str, kind: str, namespace: str, name: str) -> bool:
    """Whether the object exists, retried like the apply: an API error is not an answer."""
    found = False

    def read() -> None:
        nonlocal found
        found = ctx.cluster.object_exists(kind, namespace, name)

    _retrying(ctx, f"reading back {label}", read)
    return found


class Secrets(Stage):
    name = StageName.SECRETS
    title = "Apply the secrets (Gandi, Synology CSI)"

    def check(self, ctx: StageContext) -> CheckResult:
        missing, unknown = _describe(secrets_present(ctx))
        if missing:
            return CheckResult(False, "missing: " + ", ".join(missing))
        if unknown:
            # Applying again is harmless (create or replace): re-run rather than trust a guess.
            return CheckResult(False, "could not check (API error): " + ", ".join(unknown))
        return CheckResult(True, "present: " + ", ".join(secret_objects(ctx)))

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
        create = "secret generic" if synology.kind == "Secret" else "configmap"
        ctx.info(
            f"kubectl create {create} {synology.name} --from-file={synology.key}="
            f"{spec.synology_client_info} -n {synology.namespace} --dry-run=client -o yaml "
            f"| kubectl apply -f - (values not shown)"
        )
        if synology.kind == "Secret":
            _retrying(
                ctx,
                f"applying {synology.target.ref()}",
                lambda: ctx.cluster.apply_secret(synology.secret_manifest()),
            )
        else:
            _retrying(
                ctx,
                f"applying {synology.target.ref()}",
                lambda: ctx.cluster.apply_configmap(
                    synology.namespace, synology.name, {synology.key: synology.text}
                ),
            )
        for label, (kind, namespace, name) in secret_objects(ctx).items():
            if not _read_back(ctx, label, kind, namespace, name):
                raise StageError(
                    f"applied, but not found afterwards: {label}", kind=FailureKind.TRANSIENT
                )
        return (
            f"applied Secret {gandi.namespace}/{gandi.name} and {synology.target.ref()} "
            "(values not shown)"
        )
