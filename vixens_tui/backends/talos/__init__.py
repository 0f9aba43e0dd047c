"""Talos's API: the talosconfig, mutual-TLS calls to a node, the insecure maintenance probe."""
