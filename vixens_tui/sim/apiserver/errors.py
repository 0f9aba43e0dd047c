"""Errors as the API server reports them: `Status` objects with the real reasons and messages.

kubectl prints `Error from server (NotFound): secrets "x" not found` from these fields, and the
`kubernetes` client raises `ApiException` with the same status, so the wording matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vixens_tui.sim.apiserver.kinds import Kind

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Cause:
    """One field problem of an `Invalid` error."""

    field: str
    reason: str
    """FieldValueRequired, FieldValueInvalid, FieldValueNotSupported..."""
    message: str


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, *, details: Obj | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _details(kind: Kind, name: str, *, qualified: bool = False) -> Obj:
    details: Obj = {"name": name, "kind": kind.kind if qualified else kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


def not_found(kind: Kind, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{kind.resource} "{name}" not found', details=_details(kind, name)
    )


def namespace_not_found(namespace: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'namespaces "{namespace}" not found',
        details={"name": namespace, "kind": "namespaces"},
    )


def already_exists(kind: Kind, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{kind.resource} "{name}" already exists',
        details=_details(kind, name),
    )


def conflict(kind: Kind, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {kind.resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details=_details(kind, name),
    )


def invalid(kind: Kind, name: str, causes: list[Cause]) -> ApiError:
    summary = ", ".join(f"{c.field}: {c.message}" for c in causes)
    if len(causes) > 1:
        summary = f"[{summary}]"
    details = _details(kind, name, qualified=True)
    details["causes"] = [
        {"reason": c.reason, "message": c.message, "field": c.field} for c in causes
    ]
    return ApiError(
        422, "Invalid", f'{kind.group_kind} "{name}" is invalid: {summary}', details=details
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unsupported_media_type(content_type: str, accepted: tuple[str, ...]) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
    )


def method_not_allowed() -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def forbidden(kind: Kind, name: str, why: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{kind.singular} "{name}" is forbidden: {why}',
        details=_details(kind, name),
    )


def path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", details={})


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def anonymous_forbidden(verb: str, resource: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{resource} is forbidden: User "system:anonymous" cannot {verb} resource "{resource}" '
        'in API group "" at the cluster scope',
        details={"kind": resource},
    )
