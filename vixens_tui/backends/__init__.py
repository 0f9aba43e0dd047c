"""Adapters to the world, each implementing a port of `vixens_tui.core.ports`."""
