"""Requests on an API path through the kubernetes client's ApiClient, answers as raw JSON.

This is what the client's CustomObjectsApi does for `/apis/{group}/{version}/...`
(`param_serialize`, then `_call_with_legacy_options` with the response type "object"), on any
path: the core group's `/api/v1/...` too. The generated CoreV1Api would do the same for the
core group, but importing it builds 250 pydantic models first: 0.95 s of CPU in every
process that reaches a cluster (measured with kubernetes 37.0.2: `client.CoreV1Api` costs
1.47 s, `client.CustomObjectsApi` 0.52 s), paid by each run, each resume and each demo.
Authentication, TLS, the proxy and the errors (ApiException) stay the client's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubernetes import client

JSON = "application/json"
_ANSWER: dict[str, str | None] = {"2XX": "object"}
"""Every 2xx answer is JSON, decoded to dicts (the client's "object" type)."""

_QUERY = {
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "field_selector": "fieldSelector",
    "label_selector": "labelSelector",
    "limit": "limit",
    "resource_version": "resourceVersion",
    "tail_lines": "tailLines",
    "timeout_seconds": "timeoutSeconds",
    "watch": "watch",
}
"""The client's keyword names of the query parameters used here, and their wire names."""


def call(
    api: client.ApiClient,
    method: str,
    path: str,
    *,
    names: Mapping[str, str] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    content_type: str = JSON,
    accept: str = JSON,
    preload: bool = False,
    timeout: Any = None,
) -> Any:
    """`method` on `path`, whose `{placeholders}` are filled from `names` (escaped by the client).

    With `preload` False (the default) the answer is the open urllib3 response, to be read
    and released by the caller; a non-2xx answer raises ApiException either way.
    """
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = content_type
    params = [(_QUERY[key], value) for key, value in (query or {}).items() if value is not None]
    request = api.param_serialize(
        method=method,
        resource_path=path,
        path_params=dict(names or {}),
        query_params=params,
        header_params=headers,
        body=body,
        auth_settings=["BearerToken"],
    )
    return api._call_with_legacy_options(request, _ANSWER, None, preload, timeout, True)


class Collection:
    """List and watch one collection path, called the way `watch.Watch.stream` calls a list
    method of the client (keyword arguments, `_preload_content`, `_request_timeout`)."""

    def __init__(self, api: client.ApiClient, path: str) -> None:
        self.api = api
        self.path = path

    def __call__(self, **options: Any) -> Any:
        preload = bool(options.pop("_preload_content", True))
        timeout = options.pop("_request_timeout", None)
        return call(self.api, "GET", self.path, query=options, preload=preload, timeout=timeout)

    def __repr__(self) -> str:
        return f"Collection({self.path})"
