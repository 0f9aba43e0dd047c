"""Imported by every Python the tests start (tests/netguard is on their PYTHONPATH): the
loopback-only guard of tests/loopback_only.py, without importing the tests package."""

import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "_vixens_loopback_only",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "loopback_only.py"),
)
if _spec is not None and _spec.loader is not None and os.environ.get("NETGUARD_LOG"):
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _module.install()
