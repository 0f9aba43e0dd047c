"""The verbs of the API (get, list, create, update, patch, delete, deletecollection) with the
semantics clients rely on: AlreadyExists and Conflict, dry runs, defaulting and validation,
namespaces that must exist, graceful pod deletion, finalizers, cascading namespace deletion.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import yaml

from vixens_tui.sim.apiserver import errors, json_body, kinds
from vixens_tui.sim.apiserver.defaults import apply_defaults, secret_string_data
from vixens_tui.sim.apiserver.kinds import Kind
from vixens_tui.sim.apiserver.patch import (
    PatchError,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from vixens_tui.sim.apiserver.selectors import FieldSelector, LabelSelector
from vixens_tui.sim.apiserver.store import Obj, Store, drop_empty_meta
from vixens_tui.sim.apiserver.validation import validate
from vixens_tui.sim.clock import rfc3339

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
CUSTOM_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)
BUILTIN_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)

PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "selfLink")
# The real registries that answer a DELETE with the object rather than a Status (a CRD's puts
# its cleanup finalizer on first, so the generic delete returns the object it marked).
_RETURNS_OBJECT = frozenset({"Pod", "Namespace", "CustomResourceDefinition"})
CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def _status_success(kind: Kind, obj: Obj) -> Obj:
    meta = obj.get("metadata", {})
    details: Obj = {"name": meta.get("name", ""), "kind": kind.plural, "uid": meta.get("uid", "")}
    if kind.group:
        details["group"] = kind.group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def _apply_patch_document(body: bytes) -> Any:
    """An apply patch (YAML). JSON first: kubectl sends its apply patches as JSON (which is
    YAML), and json_body bounds a deep one in milliseconds where PyYAML, recursing per level,
    spends seconds of CPU before its RecursionError (go-yaml reads 10,000 levels)."""
    if body.lstrip()[:1] in (b"{", b"["):
        try:
            return json.loads(body.decode("utf-8"))
        except RecursionError:
            return json_body.decode_patch(body)
        except ValueError:
            pass  # flow-style YAML that is not JSON: PyYAML reads it
    try:
        return yaml.safe_load(body.decode("utf-8") or "{}")
    except (ValueError, yaml.YAMLError) as exc:
        raise errors.bad_request(f"error decoding patch: {exc}") from None
    except RecursionError:
        return json_body.decode_patch(body)


def _without_rv(obj: Obj) -> Obj:
    meta = {k: v for k, v in obj.get("metadata", {}).items() if k != "resourceVersion"}
    return {**obj, "metadata": meta}


class ResourceAPI:
    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], datetime],
        suffix: Callable[[int], str],
        allocate_ip: Callable[[], str],
    ) -> None:
        self.store = store
        self._now = now
        self._suffix = suffix
        self._allocate_ip = allocate_ip

    # -- reads -----------------------------------------------------------------------------

    def get(self, kind: Kind, namespace: str, name: str) -> Obj:
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise errors.not_found(kind, name)
        return obj

    def select(
        self,
        kind: Kind,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
    ) -> tuple[list[Obj], int]:
        with self.store.lock:
            items = self.store.list(kind, namespace if kind.namespaced else None)
            rv = self.store.resource_version
        chosen = [o for o in items if labels.matches_object(o) and fields.matches(o)]
        return chosen, rv

    def list(
        self,
        kind: Kind,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        *,
        limit: int = 0,
        continue_token: str = "",
    ) -> Obj:
        items, rv = self.select(kind, namespace, labels, fields)
        meta: Obj = {"resourceVersion": str(rv)}
        start = 0
        if continue_token:
            try:
                start = int(json.loads(base64.b64decode(continue_token))["start"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                raise errors.bad_request("continue key is not valid") from None
        if limit > 0 and start + limit < len(items):
            meta["continue"] = base64.b64encode(
                json.dumps({"start": start + limit, "rv": rv}).encode()
            ).decode()
            meta["remainingItemCount"] = len(items) - start - limit
            items = items[start : start + limit]
        else:
            items = items[start:]
        return {
            "kind": kind.list_kind,
            "apiVersion": kind.api_version,
            "metadata": meta,
            "items": items,
        }

    # -- writes ----------------------------------------------------------------------------

    def _prepare(self, kind: Kind, namespace: str, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise errors.bad_request(f"the body of the request must be a {kind.kind} object")
        obj = copy.deepcopy(body)
        if obj.get("kind", kind.kind) != kind.kind:
            raise errors.bad_request(
                f"the kind of the provided object ({obj.get('kind')}) does not match the "
                f"kind of the request ({kind.kind})"
            )
        obj["kind"] = kind.kind
        # Stored in the storage version, whatever version the request came through.
        obj["apiVersion"] = kinds.storage_of(kind).api_version
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        # A patch that writes `annotations: {}` (kubectl diff sends one) changes nothing.
        drop_empty_meta(meta)
        if kind.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        if kind is kinds.SECRET:
            for key, value in (obj.get("data") or {}).items():
                try:
                    base64.b64decode(str(value), validate=True)
                except (binascii.Error, ValueError):
                    raise errors.bad_request(
                        f'Secret in version "v1" cannot be handled as a Secret: illegal base64 '
                        f"data in key {key}"
                    ) from None
        return obj

    def _check(self, kind: Kind, obj: Obj) -> None:
        causes = validate(kind, obj)
        if causes:
            raise errors.invalid(kind, str(obj.get("metadata", {}).get("name", "")), causes)

    def _namespace_exists(self, kind: Kind, namespace: str) -> None:
        if kind.namespaced and self.store.get(kinds.NAMESPACE, "", namespace) is None:
            raise errors.namespace_not_found(namespace)

    def create(self, kind: Kind, namespace: str, body: Any, *, dry_run: bool = False) -> Obj:
        obj = self._prepare(kind, namespace, body)
        meta = obj["metadata"]
        if meta.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        for field in _SERVER_FIELDS:
            meta.pop(field, None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = f"{meta['generateName']}{self._suffix(5)}"
        apply_defaults(kind, obj, rfc3339(self._now()), self._allocate_ip)
        self._check(kind, obj)
        with self.store.lock:
            self._namespace_exists(kind, meta.get("namespace", ""))
            if self.store.get(kind, meta.get("namespace", ""), meta["name"]) is not None:
                raise errors.already_exists(kind, meta["name"])
            if dry_run:
                meta["creationTimestamp"] = rfc3339(self._now())
                return obj
            return self.store.add(kind, obj)

    def update(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        body: Any,
        *,
        dry_run: bool = False,
        subresource: str = "",
    ) -> Obj:
        obj = self._prepare(kind, namespace, body)
        with self.store.lock:
            old = self.store.get(kind, namespace, name)
            if old is None:
                raise errors.not_found(kind, name)
            return self._replace(kind, old, obj, dry_run=dry_run, subresource=subresource)

    def _replace(self, kind: Kind, old: Obj, obj: Obj, *, dry_run: bool, subresource: str) -> Obj:
        """The common end of update and patch: preconditions, preserved fields, defaults,
        validation, finalizers; a no-op write keeps the resourceVersion, as on a real server."""
        meta = obj.setdefault("metadata", {})
        old_meta = old["metadata"]
        name = old_meta["name"]
        if meta.get("name", name) != name:
            raise errors.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the "
                f"URL ({name})"
            )
        wanted_rv = meta.get("resourceVersion")
        if wanted_rv and wanted_rv != old_meta["resourceVersion"]:
            raise errors.conflict(kind, name)
        meta["name"] = name
        if kind.namespaced:
            meta["namespace"] = old_meta["namespace"]
        for field in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        if subresource == "status":
            obj = {**copy.deepcopy(old), "status": obj.get("status", {})}
            meta = obj["metadata"]
        elif kind.status_subresource and "status" in old:
            obj["status"] = copy.deepcopy(old["status"])
        if kind is kinds.SECRET:
            secret_string_data(obj)
        apply_defaults(kind, obj, rfc3339(self._now()), self._allocate_ip)
        if "generation" in old_meta:
            changed_spec = obj.get("spec") != old.get("spec")
            meta["generation"] = old_meta["generation"] + (1 if changed_spec else 0)
        self._check(kind, obj)
        if _without_rv(obj) == _without_rv(old):
            return old
        if dry_run:
            # Nothing is stored: the answer keeps the stored version, as a real dry run does.
            meta["resourceVersion"] = old_meta["resourceVersion"]
            return obj
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            gone = self.store.remove(kind, meta.get("namespace", ""), name)
            return gone if gone is not None else obj
        return self.store.put(kind, obj)

    def patch(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        content_type: str,
        body: bytes,
        *,
        dry_run: bool = False,
        subresource: str = "",
    ) -> tuple[Obj, bool]:
        """Apply a patch; (the result, whether it created the object)."""
        accepted = BUILTIN_PATCH_TYPES if kind.builtin else CUSTOM_PATCH_TYPES
        if content_type not in accepted:
            raise errors.unsupported_media_type(content_type, accepted)
        if content_type == APPLY_PATCH:
            patch = _apply_patch_document(body)
        else:
            patch = json_body.decode_patch(body)
        with self.store.lock:
            old = self.store.get(kind, namespace, name)
            if old is None:
                if content_type == APPLY_PATCH and not subresource:
                    applied = dict(patch or {})
                    applied.setdefault("metadata", {})["name"] = name
                    return self.create(kind, namespace, applied, dry_run=dry_run), True
                raise errors.not_found(kind, name)
            try:
                if content_type == MERGE_PATCH:
                    if not isinstance(patch, dict):
                        raise PatchError("a merge patch must be a JSON object")
                    result = merge_patch(old, patch)
                elif content_type == STRATEGIC_PATCH:
                    if not isinstance(patch, dict):
                        raise PatchError("a strategic merge patch must be a JSON object")
                    result = strategic_merge_patch(old, patch)
                elif content_type == JSON_PATCH:
                    result = json_patch(old, patch)
                else:
                    result = apply_patch(old, patch)
            except PatchError as exc:
                raise errors.ApiError(422, "Invalid", str(exc)) from None
            if not isinstance(result, dict):
                raise errors.ApiError(422, "Invalid", "the patch did not produce an object")
            # A patch that does not mention resourceVersion applies to the current version.
            patched_rv = result.get("metadata", {}).get("resourceVersion")
            if patched_rv == old["metadata"]["resourceVersion"]:
                result["metadata"].pop("resourceVersion", None)
            obj = self._prepare(kind, namespace, result)
            if patched_rv and patched_rv != old["metadata"]["resourceVersion"]:
                obj["metadata"]["resourceVersion"] = patched_rv
            return self._replace(kind, old, obj, dry_run=dry_run, subresource=subresource), False

    def delete(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        options: Obj | None = None,
        *,
        dry_run: bool = False,
    ) -> Obj:
        options = options or {}
        with self.store.lock:
            old = self.store.get(kind, namespace, name)
            if old is None:
                raise errors.not_found(kind, name)
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise errors.conflict(kind, name)
            if (
                pre.get("resourceVersion")
                and pre["resourceVersion"] != old["metadata"]["resourceVersion"]
            ):
                raise errors.conflict(kind, name)
            if kind is kinds.NAMESPACE:
                return self._delete_namespace(old, dry_run=dry_run)
            if kind is kinds.CRD:
                return self._delete_crd(old, dry_run=dry_run)
            # How long the object lingers: a pod on a node for its grace period, an object
            # with finalizers until they are removed; None when it goes at once.
            grace = self._pod_grace(old, options) if kind is kinds.POD else None
            if grace is None and old["metadata"].get("finalizers"):
                grace = 0
            if grace is not None:
                deleting = self._deleting(old, grace)
                if dry_run or deleting is old:
                    return deleting  # a dry run answers what a delete would leave, unstored
                return self.store.put(kind, deleting)
            if dry_run:
                return old if kind.kind in _RETURNS_OBJECT else _status_success(kind, old)
            gone = self.store.remove(kind, namespace, name)
            assert gone is not None
            return gone if kind.kind in _RETURNS_OBJECT else _status_success(kind, gone)

    def _deleting(self, old: Obj, grace: int) -> Obj:
        """The object marked for deletion in `grace` seconds (itself when it already is)."""
        if old["metadata"].get("deletionTimestamp"):
            return old
        obj = copy.deepcopy(old)
        when = self._now() + timedelta(seconds=grace)
        obj["metadata"]["deletionTimestamp"] = rfc3339(when)
        obj["metadata"]["deletionGracePeriodSeconds"] = grace
        return obj

    @staticmethod
    def _pod_grace(old: Obj, options: Obj) -> int | None:
        """A pod on a node terminates gracefully: the kubelet (the simulation) removes it once
        its grace period ends; an unscheduled pod or gracePeriodSeconds=0 goes at once (None)."""
        grace = options.get("gracePeriodSeconds")
        if grace is None:
            grace = old.get("spec", {}).get("terminationGracePeriodSeconds", 30)
        if grace == 0 or not old.get("spec", {}).get("nodeName"):
            return None
        return int(grace)

    def _delete_namespace(self, old: Obj, *, dry_run: bool) -> Obj:
        name = old["metadata"]["name"]
        if name in PROTECTED_NAMESPACES:
            raise errors.forbidden(kinds.NAMESPACE, name, "this namespace may not be deleted")
        terminating = copy.deepcopy(old)
        terminating["metadata"]["deletionTimestamp"] = rfc3339(self._now())
        terminating["status"] = {"phase": "Terminating"}
        if dry_run:
            return terminating
        # The namespace controller empties it, then the namespace goes: done at once here.
        for kind in kinds.KINDS:
            if kind.namespaced:
                for obj in self.store.list(kind, name):
                    self.store.remove(kind, name, obj["metadata"]["name"])
        self.store.put(kinds.NAMESPACE, terminating)
        self.store.remove(kinds.NAMESPACE, "", name)
        return terminating

    def _delete_crd(self, old: Obj, *, dry_run: bool) -> Obj:
        """apiextensions-apiserver's CRD registry marks the CRD Terminating with its cleanup
        finalizer; the finalizer controller deletes every custom resource of it, then the CRD
        goes. Done at once here: its kinds stop being served with it."""
        name = old["metadata"]["name"]
        deleting = copy.deepcopy(old)
        meta = deleting["metadata"]
        meta["deletionTimestamp"] = rfc3339(self._now())
        meta["finalizers"] = [*(meta.get("finalizers") or []), CRD_CLEANUP_FINALIZER]
        if dry_run:
            return deleting
        for kind in kinds.KINDS:
            if kind.resource == name and kinds.storage_of(kind) is kind:
                for obj in self.store.list(kind):
                    self.store.remove(
                        kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
                    )
        self.store.put(kinds.CRD, deleting)
        self.store.remove(kinds.CRD, "", name)
        return deleting

    def delete_collection(
        self,
        kind: Kind,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        options: Obj | None = None,
        *,
        dry_run: bool = False,
    ) -> Obj:
        with self.store.lock:
            items, rv = self.select(kind, namespace, labels, fields)
            deleted = []
            for obj in items:
                meta = obj["metadata"]
                result = self.delete(
                    kind, meta.get("namespace", ""), meta["name"], options, dry_run=dry_run
                )
                deleted.append(obj if result.get("kind") == "Status" else result)
        return {
            "kind": kind.list_kind,
            "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(rv)},
            "items": deleted,
        }
