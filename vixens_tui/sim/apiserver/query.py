"""Query parameters decoded as the real API server decodes them (apimachinery's generated
`url.Values` conversions, pkg/apis/meta/v1/zz_generated.conversion.go and runtime/conversion.go).

- The first value of a repeated parameter counts.
- Integers (`limit`, `timeoutSeconds`, `gracePeriodSeconds`) go through `strconv.ParseInt`: a
  value that is no integer, "" included, is a 400 whose message is Go's own
  (`strconv.ParseInt: parsing "abc": invalid syntax`).
- Booleans (`watch`, `allowWatchBookmarks`, `sendInitialEvents`) are true unless the value is
  "0" or "false" (any case): `watch=yes` watches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vixens_tui.sim.apiserver import errors
from vixens_tui.sim.apiserver.errors import ApiError

Query = dict[str, list[str]]

_INT64 = re.compile(r"^[+-]?[0-9]+$")
_INT64_MAX = 2**63 - 1


def first(query: Query, name: str, default: str = "") -> str:
    values = query.get(name)
    return values[0] if values else default


def parse_int(text: str, bits: int = 64) -> int:
    """Go's strconv.ParseInt(text, 10, bits), its errors as the API server's 400."""
    if not _INT64.match(text):
        raise errors.bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    limit = 2 ** (bits - 1)
    if not -limit <= value < limit:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def int_param(query: Query, name: str) -> int | None:
    """An integer parameter, None when absent."""
    if name not in query or not query[name]:
        return None
    return parse_int(query[name][0])


def bool_param(query: Query, name: str) -> bool | None:
    """A boolean parameter, None when absent (runtime.Convert_Slice_string_To_bool)."""
    if name not in query or not query[name]:
        return None
    value = query[name][0]
    return not (value == "0" or value.lower() == "false")


@dataclass(frozen=True, slots=True)
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    send_initial_events: bool = False
    resource_version: str = ""
    timeout_seconds: int | None = None
    limit: int = 0
    continue_token: str = ""


def list_options(query: Query) -> ListOptions:
    """The ListOptions of a list, watch or deletecollection request; ApiError(400) when a
    parameter does not decode."""
    return ListOptions(
        label_selector=first(query, "labelSelector"),
        field_selector=first(query, "fieldSelector"),
        watch=bool(bool_param(query, "watch")),
        allow_watch_bookmarks=bool(bool_param(query, "allowWatchBookmarks")),
        send_initial_events=bool(bool_param(query, "sendInitialEvents")),
        resource_version=first(query, "resourceVersion"),
        timeout_seconds=int_param(query, "timeoutSeconds"),
        limit=int_param(query, "limit") or 0,
        continue_token=first(query, "continue"),
    )


def invalid_options(options_kind: str, field: str, value: str, detail: str) -> ApiError:
    """The 422 of a meta.k8s.io options object (DeleteOptions, CreateOptions...) that does not
    validate: `DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ...`."""
    body = f"Unsupported value: {value}: {detail}"
    return ApiError(
        422,
        "Invalid",
        f'{options_kind}.meta.k8s.io "" is invalid: {field}: {body}',
        details={
            "group": "meta.k8s.io",
            "kind": options_kind,
            "causes": [{"reason": "FieldValueNotSupported", "message": body, "field": field}],
        },
    )


def check_dry_run(values: list[str], options_kind: str) -> bool:
    """Whether a request is a dry run; its values must all be "All" (ValidateDryRun)."""
    if any(v != "All" for v in values):
        quoted = ",".join(f'"{v}"' for v in values)
        raise invalid_options(options_kind, "dryRun", f"[{quoted}]", 'supported values: "All"')
    return bool(values)
