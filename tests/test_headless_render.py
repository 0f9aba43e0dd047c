from __future__ import annotations

import io
import json
import time

from vixens_tui.core.events import IssueDetected, LogLine, StageStarted, Waiting
from vixens_tui.core.names import StageName
from vixens_tui.headless import Printer
from vixens_tui.text.events import render


def test_waiting_line_says_what_since_when_and_timeout() -> None:
    since = time.time() - 75
    line = render(
        Waiting(
            stage=StageName.APPLY,
            what="3 nodes Ready at v1.34.0",
            since=since,
            timeout_s=2700,
            detail="1/3 Ready; onyx NotReady",
        )
    )
    assert line is not None
    assert "waiting for 3 nodes Ready at v1.34.0" in line
    assert f"since {time.strftime('%H:%M:%S', time.localtime(since))}" in line
    assert "1m15s of 45m00s timeout" in line and "onyx NotReady" in line


def test_printer_prefixes_time_and_stage_and_survives_a_closed_stream() -> None:
    out = io.StringIO()
    p = Printer(out, as_json=False)
    p(
        StageStarted(
            stage=StageName.DESTROY,
            title="Destroy",
            attempt=1,
            timeout_s=1200,
            expected_s=(300, 600),
        )
    )
    p(
        IssueDetected(
            stage=StageName.DESTROY,
            issue_id="x",
            title="T",
            evidence=("e1", "e2"),
            fix="do it",
            automatic=True,
            applied_so_far=0,
            limit=1,
        )
    )
    lines = out.getvalue().splitlines()
    assert lines[0].split()[1] == "[destroy]" and "usually 5m00s-10m00s" in lines[0]
    assert any("evidence: e2" in line for line in lines) and any(
        "fix: do it" in line for line in lines
    )
    out.close()
    p(LogLine(stage=StageName.DESTROY, source="terraform", text="more"))  # must not raise
    assert p.broken


def test_json_printer_one_object_per_event() -> None:
    out = io.StringIO()
    p = Printer(out, as_json=True)
    p(LogLine(stage=StageName.APPLY, source="terraform", text="hello"))
    record = json.loads(out.getvalue())
    assert record == {
        "type": "log",
        "stage": "apply",
        "at": record["at"],
        "source": "terraform",
        "text": "hello",
        "level": "info",
    }
