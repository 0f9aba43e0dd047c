"""gavinbunney/kubectl (~> 1.19.0): `kubectl_manifest`, for Cilium's L2 pool and policy and
Argo CD's root Application, applied through the simulated API server over HTTPS with the
provider's client certificate, as the real provider does.

Followed from terraform-provider-kubectl v1.19.0:
- kubernetes/provider.go: the provider's arguments (all optional, none sensitive); `host`
  without a scheme gets https when a CA or client certificate is given; an argument Terraform
  does not know yet during a plan reads as empty, and a configuration with no host falls back
  to client-go's default, http://localhost (so a refresh then fails on localhost:80).
- kubernetes/resource_kubectl_manifest.go: the schema (`yaml_body` sensitive and required,
  `yaml_body_parsed` computed with `sensitive_fields` obfuscated, the options and their
  defaults); CustomizeDiff (api_version/kind/name/namespace from the YAML, a changed live
  uid or live fingerprint makes an update); `getRestClientFromUnstructured` (discovery
  resolves the kind, a namespaced one defaults to "default", and an unserved kind is
  "resource [GV/KIND] isn't valid for cluster, ..."); apply retried `apply_retry_count` times
  with backoff; Read drops the resource on 404 or an unserved kind; Delete (Background, or
  Foreground and polling with `wait`) accepts a 404; the error texts.
- yaml/manifest.go: the id is the object's self link, built as `/apis/GV[/namespaces/NS]/
  lower(kind)+"s"/NAME` (k8s 1.20+ serve none), `/api/v1/...` for core kinds.
- The apply is kubectl's client-side apply: GET; 404 -> create with the
  last-applied-configuration annotation; else a three-way JSON merge patch (original = that
  annotation). A 409 on create (someone created it meanwhile) falls back to the patch.

Not simulated: loading a kubeconfig file (`load_config_file`/`config_path`; the dev
configuration sets the certificates directly and loading the user's ~/.kube/config could reach
a real cluster), the KUBE_* environment defaults, `exec`, `wait_for_rollout` (Deployments and
APIServices), strategic merge patches for built-in kinds (a JSON merge patch replaces lists
whole). `tf` cannot say "must be replaced" from a plan hook, so a change of kind/name/namespace
or a `force_new` change is planned as an update and carried out as delete + apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tf import schema, types
from tf.types import Unknown
from tf.utils import Diagnostics

from vixens_tui.sim.providers import kubectl_manifest as mf
from vixens_tui.sim.providers.base import SimProvider, SimResource, State
from vixens_tui.sim.providers.kubectl_api import Connection, KubeApi, KubeError, Mapping
from vixens_tui.sim.providers.objtype import is_unknown

_STRINGS = (
    "host",
    "username",
    "password",
    "client_certificate",
    "client_key",
    "cluster_ca_certificate",
    "config_path",
    "config_context",
    "config_context_auth_info",
    "config_context_cluster",
    "token",
    "proxy_url",
    "tls_server_name",
)
_IDENTITY = ("api_version", "kind", "name", "namespace")
_PRINTS = ("yaml_incluster", "live_manifest_incluster")
_FIELD_MANAGER = "kubectl-client-side-apply"
_SSA_MANAGER = "kubectl"


def _known(value: Any) -> Any:
    """A configuration value as SDKv2's d.Get reads it: an unknown one is the zero value."""
    return None if is_unknown(value) else value


class KubectlManifest(SimResource):
    name = "manifest"
    provider: KubectlProvider

    @classmethod
    def get_schema(cls) -> schema.Schema:
        def computed(name: str, sensitive: bool = False) -> schema.Attribute:
            return schema.Attribute(name, types.String(), computed=True, sensitive=sensitive)

        def flag(name: str, default: bool | None) -> schema.Attribute:
            # SDKv2's Default puts the value in the plan: optional + computed here.
            if default is None:
                return schema.Attribute(name, types.Bool(), optional=True)
            return schema.Attribute(
                name, types.Bool(), optional=True, computed=True, default=default
            )

        strings = types.List(types.String())
        return schema.Schema(
            version=1,
            attributes=[
                computed("id"),
                computed("uid"),
                computed("live_uid"),
                computed("yaml_incluster", sensitive=True),
                computed("live_manifest_incluster", sensitive=True),
                *(computed(name) for name in _IDENTITY),
                schema.Attribute("override_namespace", types.String(), optional=True),
                schema.Attribute("yaml_body", types.String(), required=True, sensitive=True),
                computed("yaml_body_parsed"),
                schema.Attribute("sensitive_fields", strings, optional=True),
                flag("force_new", False),
                flag("server_side_apply", False),
                flag("force_conflicts", False),
                flag("apply_only", False),
                schema.Attribute("ignore_fields", strings, optional=True),
                flag("wait", None),
                flag("wait_for_rollout", True),
                flag("validate_schema", True),
            ],
        )

    # -- plan ----------------------------------------------------------------------------

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        # The real one parses in CustomizeDiff, at plan; `tf` calls no plan hook for a create.
        body = config.get("yaml_body")
        if isinstance(body, str):
            try:
                mf.parse(body)
            except mf.ManifestError as exc:
                diags.add_error(str(exc))

    def plan(self, ctx: Any, current: State | None, planned: State) -> State:
        if current is None:
            return planned
        if is_unknown(planned.get("yaml_body")):
            # The real one marks only the parsed YAML and fingerprint; everything the body
            # decides may change, and Terraform holds a provider to the values it planned.
            computed = ("id", "uid", "live_uid", "yaml_body_parsed", *_IDENTITY, *_PRINTS)
            planned.update(dict.fromkeys(computed, Unknown))
            return planned
        try:
            manifest = self._manifest(planned)
        except mf.ManifestError as exc:
            ctx.diagnostics.add_error(str(exc))
            return planned
        planned.update(self._described(planned, manifest))
        replaced = _identity(planned) != _identity(current) or (
            planned.get("force_new") and planned["yaml_body"] != current.get("yaml_body")
        )
        if replaced:
            planned.update(id=Unknown, uid=Unknown, live_uid=Unknown)
        elif planned.get("live_uid") != planned.get("uid"):
            planned.update(uid=Unknown, live_uid=Unknown)  # recreated outside Terraform
        # The fingerprints are the live values of the YAML's fields: a new body, or a drift
        # seen by the refresh, gives new ones after the apply.
        drifted = planned.get("yaml_incluster") != planned.get("live_manifest_incluster")
        if replaced or drifted or planned["yaml_body"] != current.get("yaml_body"):
            planned.update(dict.fromkeys(_PRINTS, Unknown))
        return planned

    # -- lifecycle -----------------------------------------------------------------------

    def create(self, ctx: Any, planned: State) -> State | None:
        return self._apply_with_retries(ctx, planned)

    def update(self, ctx: Any, current: State, planned: State) -> State | None:
        replace = _identity(planned) != _identity(current) or (
            planned.get("force_new") and planned["yaml_body"] != current.get("yaml_body")
        )
        if replace:
            self._delete(ctx.diagnostics, current)
            if ctx.diagnostics.has_errors():
                return current
        return self._apply_with_retries(ctx, planned) or current

    def read(self, ctx: Any, current: State) -> State | None:
        try:
            manifest = self._manifest(current)
        except mf.ManifestError as exc:
            ctx.diagnostics.add_error(f"failed to parse kubernetes resource: {exc}")
            return current
        with self.provider.api() as api:
            try:
                mapping = api.resolve(manifest)
            except KubeError as exc:
                ctx.diagnostics.add_error(
                    f"failed to create kubernetes rest client for read of resource: {exc}"
                )
                return current
            if mapping is None:
                return None  # "[WARN] ... has an invalid type, removing from state"
            mapping.default_namespace(manifest)  # in the fingerprint too, as at apply
            try:
                live = api.get(mapping, manifest)
            except KubeError as exc:
                if exc.code in (404, 410):
                    return None
                ctx.diagnostics.add_error(
                    f"{mf.describe(manifest)} failed to get resource from kubernetes: {exc}"
                )
                return current
        ignored = _strings(current.get("ignore_fields"))
        return {
            **current,
            "live_uid": live["metadata"].get("uid", ""),
            "live_manifest_incluster": mf.fingerprint(manifest, live, ignored),
        }

    def delete(self, ctx: Any, current: State) -> None:
        # On an error Terraform keeps the prior state when the new one is null.
        self._delete(ctx.diagnostics, current)

    # -- the work ------------------------------------------------------------------------

    def _manifest(self, state: State) -> dict[str, Any]:
        manifest = mf.parse(str(state["yaml_body"]))
        override = _known(state.get("override_namespace"))
        if override:
            manifest.setdefault("metadata", {})["namespace"] = override
        return manifest

    @staticmethod
    def _described(state: State, manifest: dict[str, Any]) -> State:
        """What CustomizeDiff sets from the YAML."""
        meta = manifest.get("metadata") or {}
        sensitive = _strings(state.get("sensitive_fields"))
        if (
            not sensitive
            and manifest.get("kind") == "Secret"
            and manifest.get("apiVersion") == "v1"
        ):
            sensitive = ["data"]
        return {
            "api_version": manifest.get("apiVersion", ""),
            "kind": manifest.get("kind", ""),
            "name": meta.get("name", ""),
            "namespace": meta.get("namespace", ""),
            "yaml_body_parsed": mf.obfuscated_yaml(manifest, sensitive),
        }

    def _apply_with_retries(self, ctx: Any, planned: State) -> State | None:
        retries = self.provider.retry_count
        delay = self.provider.retry_delay
        for attempt in range(retries + 1):
            diags = Diagnostics()
            state = self._apply(diags, planned)
            if not diags.has_errors():
                return state
            if attempt < retries:
                # backoff.NewExponentialBackOff: 3 s first, x1.5 each time, 30 s at most.
                time.sleep(min(delay * 1.5**attempt, 30.0))
        ctx.diagnostics.diagnostics.extend(diags.diagnostics)
        return None

    def _apply(self, diags: Diagnostics, planned: State) -> State | None:
        try:
            manifest = self._manifest(planned)
        except mf.ManifestError as exc:
            diags.add_error(f"failed to parse kubernetes resource: {exc}")
            return None
        described = self._described(planned, manifest)
        with self.provider.api() as api:
            try:
                mapping = api.resolve(manifest)
            except KubeError as exc:
                mapping, problem = None, str(exc)
            else:
                problem = mf.invalid_type(manifest)
            if mapping is None:
                diags.add_error(
                    f"{mf.describe(manifest)} failed to create kubernetes rest client for update of resource: {problem}"
                )
                return None
            mapping.default_namespace(manifest)
            try:
                if planned.get("server_side_apply"):
                    api.server_side_apply(
                        mapping, manifest, _SSA_MANAGER, bool(planned.get("force_conflicts"))
                    )
                else:
                    api.client_side_apply(mapping, manifest, _FIELD_MANAGER)
            except KubeError as exc:
                diags.add_error(f"{mf.describe(manifest)} failed to run apply: {exc}")
                return None
            try:
                live = api.get(mapping, manifest)
            except KubeError as exc:
                diags.add_error(
                    f"{mf.describe(manifest)} failed to fetch resource from kubernetes: {exc}"
                )
                return None
        fingerprint = mf.fingerprint(manifest, live, _strings(planned.get("ignore_fields")))
        uid = live["metadata"].get("uid", "")
        return {
            **planned,
            **described,
            "id": mf.self_link(live),
            "uid": uid,
            "live_uid": uid,
            "yaml_incluster": fingerprint,
            "live_manifest_incluster": fingerprint,
        }

    def _delete(self, diags: Diagnostics, current: State) -> None:
        if current.get("apply_only"):
            return
        try:
            manifest = self._manifest(current)
        except mf.ManifestError as exc:
            diags.add_error(f"failed to parse kubernetes resource: {exc}")
            return
        who = mf.describe(manifest)
        with self.provider.api() as api:
            try:
                mapping = api.resolve(manifest)
            except KubeError as exc:
                mapping, problem = None, str(exc)
            else:
                problem = mf.invalid_type(manifest)
            if mapping is None:
                # An unserved kind is an error here (the CRD went first): the real one too.
                diags.add_error(
                    f"{who} failed to create kubernetes rest client for delete of resource: {problem}"
                )
                return
            mapping.default_namespace(manifest)
            wait = bool(current.get("wait"))
            try:
                api.delete(mapping, manifest, "Foreground" if wait else "Background")
            except KubeError as exc:
                if exc.code not in (404, 410):
                    diags.add_error(f"{who} failed to delete kubernetes resource: {exc}")
                    return
            while wait:
                try:
                    api.get(mapping, manifest)
                except KubeError as exc:
                    if exc.code in (404, 410):
                        return
                    diags.add_error(f"{who} failed to delete kubernetes resource: {exc}")
                    return
                time.sleep(self.provider.delete_poll)


def _identity(state: State) -> tuple[Any, ...]:
    return tuple(state.get(name) for name in _IDENTITY)


def _strings(value: Any) -> list[str]:
    if value is None or is_unknown(value):
        return []
    return [str(v) for v in value if isinstance(v, str) and v]


class KubectlProvider(SimProvider):
    """The provider. `retry_delay` (the real backoff's first interval, 3 s) and `delete_poll`
    (10 s between checks of a `wait` delete) are shortened by tests; `on_host` is told
    every host the provider connects to (the demo proves with it that none is off the
    loopback)."""

    source = "gavinbunney/kubectl"
    prefix = "kubectl_"
    resources = (KubectlManifest,)

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        retry_delay: float = 3.0,
        delete_poll: float = 10.0,
        timeout: float = 32.0,
        on_host: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(workdir)
        self.retry_delay = retry_delay
        self.delete_poll = delete_poll
        self.timeout = timeout
        self.on_host = on_host
        self.retry_count = 1
        self.connection = Connection.from_config({})
        self._discovered: dict[tuple[str, str, str], Mapping] = {}

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        attributes = [schema.Attribute(n, types.String(), optional=True) for n in _STRINGS]
        attributes += [
            schema.Attribute("apply_retry_count", types.Number(), optional=True),
            schema.Attribute("insecure", types.Bool(), optional=True),
            schema.Attribute("load_config_file", types.Bool(), optional=True),
            schema.Attribute("config_paths", types.List(types.String()), optional=True),
        ]
        return schema.Schema(version=0, attributes=attributes)

    def configure_provider(self, diags: Diagnostics, config: State) -> None:
        known = {k: _known(v) for k, v in (config or {}).items()}
        self.config = known
        retries = known.get("apply_retry_count")
        self.retry_count = 1 if retries is None else max(0, int(retries))
        try:
            self.connection = Connection.from_config(known)
        except ValueError as exc:
            diags.add_error(f"failed to configure: {exc}")
        self._discovered = {}

    def api(self) -> KubeApi:
        return KubeApi(self.connection, self._discovered, self.timeout, self.on_host)
