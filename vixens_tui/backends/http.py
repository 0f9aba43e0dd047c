"""The procedure's `curl` checks (section 6.4), through httpx."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from vixens_tui.core.ports import HttpResult


class HttpxProber:
    """One probe per call; redirects are not followed (curl -I does not follow them either)."""

    def __init__(self) -> None:
        self._client = httpx.Client(follow_redirects=False, trust_env=False)

    def probe(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
    ) -> HttpResult:
        started = time.monotonic()
        try:
            response = self._client.request(
                method, url, headers=dict(headers or {}), timeout=timeout_s
            )
        except httpx.TimeoutException:
            return HttpResult(
                url, None, f"timed out after {timeout_s:.0f}s", time.monotonic() - started
            )
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            return HttpResult(url, None, reason, time.monotonic() - started)
        return HttpResult(url, response.status_code, "", time.monotonic() - started)

    def close(self) -> None:
        self._client.close()
