"""Terraform's `-json` output (one event per line) turned into listener items.

Every line gives exactly one `TfLog` (rendered the way Terraform prints it in text mode, the
original in `raw`), and, when it says something about a resource or a problem, a `TfResource`
or a `TfDiagnostic` too.

Built for throughput (a chatty provisioner can print thousands of lines a second, and the
benchmark pushes 100k lines/s): Terraform writes compact JSON with `@level` and `@message`
first and `type` last, so the frequent events that only need their message (provisioner
output, refresh, plan, log lines) are read with a few string searches instead of a full JSON
parse, which costs several times more. Anything else, or any line not in that shape, is parsed fully.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vixens_tui.backends.terraform.statelock import describe_lock
from vixens_tui.core.ports import TfDiagnostic, TfListener, TfLog, TfResource

_LEVELS = {"info": "info", "warn": "warning", "error": "error", "debug": "debug", "trace": "debug"}
_SEVERITIES = {"error": "Error", "warning": "Warning"}
_loads = json.loads
_LEVEL_KEY = '{"@level":"'
_LEVEL_AT = len(_LEVEL_KEY)
_MESSAGE_KEY = '","@message":"'
_MESSAGE_LEN = len(_MESSAGE_KEY)
_MODULE_KEY = '","@module":"'
_TYPE_KEY = ',"type":"'
_TYPE_LEN = len(_TYPE_KEY)

Event = dict[str, Any]


def render_diagnostic(diag: TfDiagnostic) -> str:
    """One line for people: severity, summary, the address, the detail squeezed onto it."""
    text = f"{_SEVERITIES.get(diag.severity, diag.severity.title())}: {diag.summary}"
    if diag.address:
        text += f" (with {diag.address})"
    if diag.detail:
        text += ": " + " ".join(diag.detail.split())
    return text


def diagnostic_from_json(data: Event, address: str = "") -> TfDiagnostic:
    """A diagnostic object of `-json` output (stream event or `validate -json`)."""
    return TfDiagnostic(
        severity=str(data.get("severity", "error")),
        summary=str(data.get("summary", "")),
        detail=str(data.get("detail", "") or ""),
        address=str(data.get("address", "") or address),
    )


def _text_mode_provisioner(message: str) -> str:
    """`ADDRESS: (local-exec): OUTPUT` in JSON; text mode prints `ADDRESS (local-exec): OUTPUT`."""
    at = message.find(": (")
    if at > 0 and 3 < message.find("): ", at) - at < 24:  # a provisioner's name in between
        return message[:at] + message[at + 1 :]
    return message


class JsonStream:
    """Feed it Terraform's stdout lines; it calls the listener and keeps the outcome.

    After the run: `diagnostics` in order of arrival, `summary` from the final
    change_summary (the apply's or destroy's, not the plan's), `version` of the engine.
    """

    def __init__(self, listener: TfListener) -> None:
        self.listener = listener
        self.diagnostics: list[TfDiagnostic] = []
        self.summary: dict[str, int] = {}
        self.planned: dict[str, int] = {}
        self.version = ""
        self.lines = 0
        self._handlers: dict[str, Callable[[Event, str], None]] = {
            "apply_start": self._resource_event,
            "apply_progress": self._resource_event,
            "apply_complete": self._resource_event,
            "apply_errored": self._resource_event,
            "diagnostic": self._diagnostic,
            "change_summary": self._change_summary,
            "version": self._version,
        }
        self._status = {
            "apply_start": "started",
            "apply_progress": "progress",
            "apply_complete": "complete",
            "apply_errored": "errored",
        }

    def flush(self) -> None:
        """End of a read: a listener that batches (`flush()`) hands its batch on."""
        flush = getattr(self.listener, "flush", None)
        if flush is not None:
            flush()

    def feed(self, line: str) -> None:
        self.lines += 1
        if self._message_only(line):
            return
        if not line.startswith("{"):
            # Text mode, or something printed before -json applies (a usage error, a panic).
            self.listener(TfLog(line, line))
            return
        try:
            event = _loads(line)
        except ValueError:
            self.listener(TfLog(line, line))
            return
        if type(event) is not dict:
            self.listener(TfLog(line, line))
            return
        kind = event.get("type", "")
        handler = self._handlers.get(kind)
        if kind == "provision_progress":
            handler = self._provision_progress
        if handler is None:
            self.listener(
                TfLog(
                    event.get("@message", line), line, _LEVELS.get(event.get("@level", ""), "info")
                )
            )
            return
        handler(event, line)

    def _message_only(self, line: str) -> bool:
        """The fast path: an event whose message is all we need. False: parse it fully.

        Plain string searches, no regex: inside a JSON string every quote is escaped, so
        `","@module":"` can only be the end of the message.
        """
        if not line.startswith(_LEVEL_KEY) or not line.endswith('"}'):
            return False
        level_end = line.find('"', _LEVEL_AT)
        if not line.startswith(_MESSAGE_KEY, level_end):
            return False
        message_end = line.find(_MODULE_KEY, level_end)
        at = line.rfind(_TYPE_KEY)
        if message_end < 0 or at < message_end:
            return False
        kind = line[at + _TYPE_LEN : -2]
        if kind in self._handlers or '"' in kind:
            return False
        message = line[level_end + _MESSAGE_LEN : message_end]
        if "\\" in message:
            try:
                message = _loads(f'"{message}"')
            except ValueError:
                return False
        if kind == "provision_progress":
            message = _text_mode_provisioner(message)
        self.listener(TfLog(message, line, _LEVELS.get(line[_LEVEL_AT:level_end], "info")))
        return True

    # -- handlers --------------------------------------------------------------------------

    def _resource_event(self, event: Event, line: str) -> None:
        hook = event.get("hook") or {}
        address = (hook.get("resource") or {}).get("addr", "")
        status = self._status[event["type"]]
        level = "error" if status == "errored" else "info"
        self.listener(TfLog(event.get("@message", line), line, level))
        self.listener(
            TfResource(
                address,
                hook.get("action", ""),
                status,
                float(hook.get("elapsed_seconds", 0) or 0),
            )
        )

    def _provision_progress(self, event: Event, line: str) -> None:
        hook = event.get("hook") or {}
        address = (hook.get("resource") or {}).get("addr", "")
        text = f"{address} ({hook.get('provisioner', 'provisioner')}): {hook.get('output', '')}"
        self.listener(TfLog(text, line))

    def _diagnostic(self, event: Event, line: str) -> None:
        diag = describe_lock(diagnostic_from_json(event.get("diagnostic") or {}))
        self.diagnostics.append(diag)
        level = "error" if diag.severity == "error" else "warning"
        self.listener(TfLog(render_diagnostic(diag), line, level))
        self.listener(diag)

    def _change_summary(self, event: Event, line: str) -> None:
        changes = event.get("changes") or {}
        counts = {key: int(changes.get(key, 0) or 0) for key in ("add", "change", "remove")}
        if changes.get("operation") == "plan":
            self.planned = counts
        else:
            self.summary = counts
        self.listener(TfLog(event.get("@message", line), line))

    def _version(self, event: Event, line: str) -> None:
        self.version = str(event.get("terraform", ""))
        self.listener(TfLog(event.get("@message", line), line))
