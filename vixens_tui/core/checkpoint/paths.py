"""Where the state lives, without importing anything heavy.

The lock is taken before anything else a run does (`vixens_tui.run_lock`), before pydantic,
the kubernetes client or Textual are even imported: so this module knows the layout with the
standard library alone.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCK = "lock"


def default_state_root() -> Path:
    """$VIXENS_TUI_STATE_DIR, else the platform's user state directory."""
    override = os.environ.get("VIXENS_TUI_STATE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("vixens-tui", appauthor=False))
