"""Key-to-screen latency: a key as the terminal driver delivers it, until the screen shows it.

The key is sent the way Textual's drivers send what they read from the terminal
(`driver.send_message(events.Key)`, which hops onto the app's loop); the answer is the first
paint (see common.PaintRecorder) that shows the key's effect. Two probes, each a pair of keys:

- help: `?` opens the help screen (a modal screen over the main one), `escape` closes it;
- search: `/` opens the log's search box (a change inside the main screen), `escape` closes it.

Each key is one sample; a quick person's pace between keys (0.1-0.3 s), not a key-repeat storm.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from textual import events

from bench.common import PaintRecorder

PAUSE_S = (0.1, 0.3)

Shown = Callable[[type], bool]
"""Given the type of the screen just painted: does the paint show the key's effect?"""


async def key_to_screen(
    app: Any, recorder: PaintRecorder, key: str, char: str | None, shown: Shown
) -> float:
    """Seconds from sending `key` to the first paint for which `shown(screen type)` holds."""
    loop = asyncio.get_running_loop()
    seen: asyncio.Future[float] = loop.create_future()

    def listener(t: float, screen: Any) -> None:
        if not seen.done() and shown(type(screen)):
            seen.set_result(t)

    recorder.listeners.append(listener)
    try:
        event = events.Key(key, char)
        event.set_sender(app)
        began = time.perf_counter()
        app._driver.send_message(event)
        painted = await asyncio.wait_for(seen, 10.0)
    finally:
        recorder.listeners.remove(listener)
    return painted - began


def probes(app: Any) -> dict[str, list[tuple[str, str | None, Shown]]]:
    from vixens_tui.tui.screens.help import HelpScreen
    from vixens_tui.tui.screens.main import MainScreen
    from vixens_tui.tui.widgets.log_view import LogPanel

    panel = app.main.query_one(LogPanel)
    return {
        "help": [
            ("question_mark", "?", lambda kind: issubclass(kind, HelpScreen)),
            ("escape", None, lambda kind: issubclass(kind, MainScreen)),
        ],
        "search": [
            (
                "slash",
                "/",
                lambda kind: issubclass(kind, MainScreen) and panel.has_class("-searching"),
            ),
            (
                "escape",
                None,
                lambda kind: issubclass(kind, MainScreen) and not panel.has_class("-searching"),
            ),
        ],
    }


async def press_while(
    app: Any,
    recorder: PaintRecorder,
    busy: Callable[[], bool],
    samples: dict[str, list[float]],
    *,
    limit: int | None = None,
) -> None:
    """Play the probes in turn while `busy()` (at most `limit` keys); latencies into
    `samples[probe]`."""
    plays = probes(app)
    pressed = 0
    while True:
        for name, keys in plays.items():
            # A pair is always completed: the screen is left as it was found.
            if not busy() or (limit is not None and pressed >= limit):
                return
            for key, char, shown in keys:
                await asyncio.sleep(random.uniform(*PAUSE_S))
                samples.setdefault(name, []).append(
                    await key_to_screen(app, recorder, key, char, shown)
                )
                pressed += 1
