"""Textual's Footer without its leak (Textual 8.2.8)."""

from __future__ import annotations

from textual.widgets import Footer as _TextualFooter


class Footer(_TextualFooter):
    async def recompose(self) -> None:
        await super().recompose()
        # Each FooterKey data-binds `compact` to this footer, which keeps a watcher per key
        # ever composed (pruned only when `compact` changes, which it never does): every
        # recompose (each bindings change) would keep the old keys alive.
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, cb) for node, cb in watchers if node.is_attached]
