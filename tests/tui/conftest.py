from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.factory import TuiEnv, tui_env


@pytest.fixture
def env(tmp_path: Path) -> TuiEnv:
    return tui_env(tmp_path)
