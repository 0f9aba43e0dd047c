"""The review APIs kubectl asks before acting: `kubectl auth can-i` (SelfSubjectAccessReview,
and SelfSubjectRulesReview for `--list`) and `kubectl auth whoami` (SelfSubjectReview).

They are create-only and never stored: the answer is the request with a `status` filled in,
201 Created. The simulated cluster has one credential, the admin of a Talos cluster (client
certificate `CN=admin, O=system:masters`), which a real server lets do anything: the
privileged-group authorizer allows `system:masters` before RBAC, with no reason given, so the
status is `{"allowed": true}`.
"""

from __future__ import annotations

import json
from typing import Any

from vixens_tui.sim.apiserver import errors, protobuf
from vixens_tui.sim.apiserver.protobuf import MAGIC, fields

Obj = dict[str, Any]

USERNAME = "admin"
GROUPS = ("system:masters", "system:authenticated")

# group -> version -> [(plural, kind, namespaced)], as a v1.34 server's discovery lists them.
RESOURCES: dict[str, dict[str, list[tuple[str, str, bool]]]] = {
    "authentication.k8s.io": {
        "v1": [
            ("selfsubjectreviews", "SelfSubjectReview", False),
            ("tokenreviews", "TokenReview", False),
        ]
    },
    "authorization.k8s.io": {
        "v1": [
            ("localsubjectaccessreviews", "LocalSubjectAccessReview", True),
            ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
            ("selfsubjectrulesreviews", "SelfSubjectRulesReview", False),
            ("subjectaccessreviews", "SubjectAccessReview", False),
        ]
    },
}


def group_versions() -> list[tuple[str, str]]:
    return [(group, version) for group, versions in RESOURCES.items() for version in versions]


def resource_list(group: str, version: str) -> Obj | None:
    entries = RESOURCES.get(group, {}).get(version)
    if entries is None:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": [
            {
                "name": plural,
                "singularName": kind.lower(),
                "namespaced": namespaced,
                "kind": kind,
                "verbs": ["create"],
            }
            for plural, kind, namespaced in entries
        ],
    }


# -- protobuf bodies (kubectl's typed clients send them) ----------------------------------------


def _text(value: int | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _attributes(buf: bytes, names: dict[int, str]) -> Obj:
    found: Obj = {}
    for number, value in fields(buf):
        if number in names:
            found[names[number]] = _text(value)
    return found


_RESOURCE_ATTRIBUTES = {
    1: "namespace",
    2: "verb",
    3: "group",
    4: "version",
    5: "resource",
    6: "subresource",
    7: "name",
}
_NON_RESOURCE_ATTRIBUTES = {1: "path", 2: "verb"}


def _protobuf_review(body: bytes) -> Obj:
    api_version = kind = ""
    raw = b""
    for number, value in fields(body[len(MAGIC) :]):
        if number == 1 and isinstance(value, bytes):
            meta = _attributes(value, {1: "apiVersion", 2: "kind"})
            api_version, kind = meta.get("apiVersion", ""), meta.get("kind", "")
        elif number == 2 and isinstance(value, bytes):
            raw = value
    spec: Obj = {}
    for number, value in fields(raw):
        if number != 2 or not isinstance(value, bytes):
            continue
        if kind == "SelfSubjectAccessReview":
            for part, attrs in fields(value):
                if part == 1 and isinstance(attrs, bytes):
                    spec["resourceAttributes"] = _attributes(attrs, _RESOURCE_ATTRIBUTES)
                elif part == 2 and isinstance(attrs, bytes):
                    spec["nonResourceAttributes"] = _attributes(attrs, _NON_RESOURCE_ATTRIBUTES)
        elif kind == "SelfSubjectRulesReview":
            spec = _attributes(value, {1: "namespace"})
    return {"apiVersion": api_version, "kind": kind, "spec": spec}


def _body(body: bytes, content_type: str) -> Obj:
    if content_type == protobuf.CONTENT_TYPE and body.startswith(MAGIC):
        try:
            return _protobuf_review(body)
        except protobuf.ProtobufError as exc:
            raise errors.bad_request(f"error decoding the request body: {exc}") from None
    try:
        parsed = json.loads(body.decode("utf-8") or "null")
    except (ValueError, RecursionError):
        raise errors.bad_request("error decoding the request body") from None
    if not isinstance(parsed, dict):
        raise errors.bad_request("the body of the request must be an object")
    return parsed


def _allowed(review: Obj) -> Obj:
    return {"allowed": True}


def _rules(review: Obj) -> Obj:
    return {
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": False,
    }


def _whoami(review: Obj) -> Obj:
    return {"userInfo": {"username": USERNAME, "groups": list(GROUPS)}}


def _subject(review: Obj) -> Obj:
    """Another subject's access: only the admin's own identity is known to be allowed."""
    spec = review.get("spec") or {}
    admin = spec.get("user") == USERNAME or "system:masters" in (spec.get("groups") or ())
    return {"allowed": True} if admin else {"allowed": False}


def _token(review: Obj) -> Obj:
    # Tokens are checked by the HTTP layer; a review of another token learns nothing here.
    return {"authenticated": False, "user": {}}


_ANSWERS = {
    "selfsubjectaccessreviews": ("SelfSubjectAccessReview", _allowed),
    "selfsubjectrulesreviews": ("SelfSubjectRulesReview", _rules),
    "selfsubjectreviews": ("SelfSubjectReview", _whoami),
    "subjectaccessreviews": ("SubjectAccessReview", _subject),
    "localsubjectaccessreviews": ("LocalSubjectAccessReview", _subject),
    "tokenreviews": ("TokenReview", _token),
}


def serve(
    group: str, version: str, rest: list[str], method: str, body: bytes, *, content_type: str
) -> Obj:
    """The answer to a request under /apis/{group}/{version}; ApiError when there is none."""
    plural = rest[-1] if rest else ""
    known = {p for p, _, _ in RESOURCES.get(group, {}).get(version, [])}
    if plural not in known or len(rest) not in (1, 3):
        raise errors.path_not_found()
    if method != "POST":
        raise errors.method_not_allowed()
    kind, status = _ANSWERS[plural]
    review = _body(body, content_type)
    return {
        "kind": kind,
        "apiVersion": f"{group}/{version}",
        "metadata": {},
        "spec": review.get("spec") or {},
        "status": status(review),
    }
